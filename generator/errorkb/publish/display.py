"""How enumerated values are shown to readers: platform names and the order of frequencies."""

PLATFORM_NAMES = {
    "ci": "CI/CD", "docker": "Docker", "kubernetes": "Kubernetes", "windows": "Windows", "macos": "macOS",
    "linux": "Linux", "wsl": "WSL", "vscode": "VS Code", "jupyter": "Jupyter", "serverless": "Serverless",
}
FREQUENCY_RANK = {"very-common": 0, "common": 1, "occasional": 2, "rare": 3}
