"""Find what would run in a browser: script elements, handler attributes, script URLs."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster"}


class _Finder(HTMLParser):
    def __init__(self, allowed: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allowed = allowed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS - self.allowed:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = "".join(value.split()).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")) or name == "srcdoc":
                    self.found.append(f"{tag} {name}={value}")


def unsafe_parts(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Return every part of an HTML fragment that could run script.

    `allowed` names tags the page itself uses legitimately (a whole page has forms).
    """
    finder = _Finder(set(allowed))
    finder.feed(html)
    return finder.found
