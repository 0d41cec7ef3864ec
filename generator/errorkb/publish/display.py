"""How enumerated values are shown to readers: platform names, the order of frequencies, HTTP statuses, the
summary of a collapsed list."""

import http

PLATFORM_NAMES = {
    "ci": "CI/CD", "docker": "Docker", "kubernetes": "Kubernetes", "windows": "Windows", "macos": "macOS",
    "linux": "Linux", "wsl": "WSL", "vscode": "VS Code", "jupyter": "Jupyter", "serverless": "Serverless",
}
FREQUENCY_RANK = {"very-common": 0, "common": 1, "occasional": 2, "rare": 3}


def http_status_text(code) -> str:
    """An HTTP status as readers and search engines know it: "429 Too Many Requests" (the number alone when the
    status is not a standard one, as Anthropic's 529)."""
    try:
        return f"{int(code)} {http.HTTPStatus(int(code)).phrase}"
    except ValueError:
        return str(code)


def show_more(items, one: str, many: str) -> str:
    """The summary of a collapsed list: "Show the 4 steps", "Show the step"."""
    count = len(items or [])
    return f"Show the {one}" if count == 1 else f"Show the {count} {many}"
