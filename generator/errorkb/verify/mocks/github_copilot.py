"""Simulator of the GitHub Copilot service hosts that GitHub's troubleshooting guide tells users to test:
https://api.githubcopilot.com (Copilot Chat; also the api.individual., api.business. and api.enterprise.
variants) and https://copilot-proxy.githubusercontent.com (code completions).

Only the reachability probe is simulated: GET /_ping answers HTTP 200, which is all the documentation
promises ("If you can connect, you will receive an HTTP 200 response",
https://docs.github.com/en/copilot/troubleshooting-github-copilot/troubleshooting-network-errors-for-github-copilot);
the body of the real answer is not documented, so the mock sends an empty one. Every other path (the real
ones need a Copilot session token) is not simulated and answers 404 with a body that says so. The `tls: untrusted` state is what makes this mock useful: the
hosts then present a certificate from an authority clients have never seen, as behind a TLS-inspecting
proxy, and curl fails with "unable to get local issuer certificate".
"""

from __future__ import annotations

from werkzeug.routing import Rule

from .common import ProviderMock, respond


class GitHubCopilotMock(ProviderMock):
    name = "github-copilot"
    hosts = [
        "api.githubcopilot.com",
        "api.individual.githubcopilot.com",
        "api.business.githubcopilot.com",
        "api.enterprise.githubcopilot.com",
        "copilot-proxy.githubusercontent.com",
    ]
    default_models = ()

    def rules(self):
        return [Rule("/_ping", methods=["GET", "HEAD"], endpoint="ping")]

    def ping(self, call):
        return respond(b"", 200, "text/plain; charset=utf-8")

    def not_found(self, call):
        return respond(b"errorkb mock: only /_ping is simulated on the GitHub Copilot hosts\n", 404,
                       "text/plain; charset=utf-8")
