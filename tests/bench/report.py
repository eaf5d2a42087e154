"""Sections the bench scripts append to the report (docs/benchmarks.md), and echo."""


def append_section(path: str, lines: list[str]) -> None:
    text = "\n".join(lines)
    with open(path, "a", encoding="utf-8") as out:
        out.write(text)
    print(text)
