"""What every HTML page must carry and must not contain, for the Content-Security-Policy."""

from __future__ import annotations

from html.parser import HTMLParser

REQUIRED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "object-src": {"'none'"},
}
NEVER = ("'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "*")


def parse_policy(header: str) -> dict[str, set[str]]:
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = set(words[1:])
    return policy


def policy_problems(response) -> list[str]:
    header = response.get("Content-Security-Policy")
    if not header:
        return ["no Content-Security-Policy header"]
    policy = parse_policy(header)
    problems = [
        f"{name} is {sorted(policy.get(name, set()))}, want {sorted(want)}"
        for name, want in REQUIRED.items()
        if policy.get(name) != want
    ]
    problems += [f"policy allows {word}" for word in NEVER if word in header.split()]
    return problems


class _InlineCode(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _ in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            src = attributes.get("src")
            data = attributes.get("type", "") in {"application/json", "application/ld+json"}
            if not src and not data:
                self.problems.append("inline <script>")
            if src and src.startswith(("http:", "https:", "//")):
                self.problems.append(f"outside script {src}")
        if tag in {"link", "img", "iframe", "source", "video", "audio"}:
            for name in ("href", "src"):
                url = attributes.get(name) or ""
                if url.startswith(("http:", "https:", "//")) and tag != "a":
                    self.problems.append(f"outside resource <{tag} {name}={url}>")


def page_problems(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.problems


def html_response_problems(response) -> list[str]:
    """For a response of any kind: problems only if it is an HTML page."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    problems = policy_problems(response)
    if not getattr(response, "streaming", False):
        problems += page_problems(response.content.decode("utf-8", "replace"))
    return problems
