"""Compose the labelled corpus from the hand-written fragments in ``fragments/``.

Every fragment list is dealt into ``POOLS`` disjoint pools by line number, and each example is
built only from the fragments of one pool; the pool is the example's ``group``. Splitting by
group therefore keeps every label-bearing sentence of a test example out of training, which is
what makes the cross-validated and held-out figures honest. Shared boilerplate that carries no
label (headings, openers, closers, filler, reply greetings) is used by every label alike.

Run ``python models/corpus/build.py`` to rewrite ``corpus.jsonl`` (deterministic for a seed).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DUTIES = HERE.parent / "duties.json"
POOLS = 6
#: examples per pool for each recipe (the department recipe is per department)
PLAN: dict[str, int] = {
    "dept": 18,
    "general": 36,
    "fraud": 30,
    "tourism": 30,
    "regulation": 24,
    "structure": 20,
    "offtopic": 45,
    "offtopic_cross": 40,
    "cute_duty": 55,
    "cute_body": 30,
    "reply_ok": 95,
    "reply_rude": 85,
}
SHARED = {"heading", "enum", "open", "close", "filler", "reply_greet", "reply_close"}


def read_fragments(folder: Path) -> dict[str, list[str]]:
    """Parse ``[section]`` headed text files into section -> lines (``#`` starts a comment)."""
    sections: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.txt")):
        current: list[str] | None = None
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            header = re.fullmatch(r"\[(.+)\]", line)
            if header:
                current = sections.setdefault(header.group(1).strip(), [])
            elif current is not None:
                current.append(line)
    return sections


class Composer:
    """Builds examples for one pool; all randomness comes from one seeded generator."""

    def __init__(self, sections: dict[str, list[str]], duties: dict, pool: int, rng: random.Random):
        self.rng = rng
        self.pool = pool
        self.sections = {
            name: lines if name in SHARED else [x for i, x in enumerate(lines) if i % POOLS == pool]
            for name, lines in sections.items()
        }
        self.departments = duties["departments"]
        self.sectors = [name.split(" ", 1)[1] for name in sections if name.startswith("dept ")]
        self.generalists = [k for k, v in self.departments.items() if v.get("generalist")]

    def pick(self, name: str, chance: float = 1.0) -> str:
        if self.rng.random() >= chance:
            return ""
        return self.rng.choice(self.sections[name])

    def some(self, name: str, low: int, high: int) -> list[str]:
        lines = self.sections[name]
        return self.rng.sample(lines, min(len(lines), self.rng.randint(low, high)))

    def frame(self, body: list[str], long: bool = False) -> str:
        """Wrap body sentences in optional shared heading, opener, filler and closer."""
        parts = [self.pick("heading", 0.3), self.pick("enum", 0.12), self.pick("open", 0.3), *body]
        if long:
            parts += self.rng.sample(self.sections["filler"], self.rng.randint(5, 12))
        parts.append(self.pick("close", 0.45))
        return "".join(p for p in parts if p)

    def unrelated_account(self, sector: str) -> str:
        info = self.departments.get(sector, {})
        allowed = {sector, *info.get("related", [])}
        choices = [d for d in self.sectors if d not in allowed and d not in self.generalists]
        return self.rng.choice(choices)

    def cutify(self, sentence: str) -> str:
        """Rewrite a proper sentence in the cute register: endings, an opener and/or a closer."""
        text = sentence
        if self.rng.random() < 0.7:
            text = re.sub(r"[。！]$", "", text) + self.pick("cute_end")
        opener = self.pick("cute_open", 0.7)
        closer = self.pick("cute_close", 0.8 if opener else 1.0)
        return opener + text + closer

    def examples(self) -> list[dict]:
        out: list[dict] = []
        group = f"p{self.pool}"

        def add(recipe: str, text: str, kind: str, label: str, **extra: str) -> None:
            out.append({"text": text, "kind": kind, "label": label, "group": group, "recipe": recipe,
                        **{k: v for k, v in extra.items() if v}})

        for sector in self.sectors:
            for _ in range(PLAN["dept"]):
                long = self.rng.random() < 0.15
                body = self.some(f"dept {sector}", 2 if long else 1, 5 if long else 3)
                account = self.rng.choice(self.generalists) if self.rng.random() < 0.1 else sector
                add("dept", self.frame(body, long), "post", "ok", department=account, topic=sector)
        for _ in range(PLAN["general"]):
            add("general", self.frame(self.some("general", 1, 2)), "post", "ok",
                department=self.rng.choice(list(self.departments)), topic="general")
        for _ in range(PLAN["fraud"]):
            account = "公安" if self.rng.random() < 0.6 else self.rng.choice(list(self.departments))
            add("fraud", self.frame(self.some("fraud", 1, 3), self.rng.random() < 0.2), "post", "ok",
                department=account, topic="general")
        for _ in range(PLAN["tourism"]):
            account = "文旅" if self.rng.random() < 0.7 else self.rng.choice(self.generalists)
            add("tourism", self.frame(self.some("tourism", 1, 3)), "post", "ok",
                department=account, topic="文旅")
        for _ in range(PLAN["regulation"]):
            add("regulation", self.frame(self.some("regulation", 1, 2), self.rng.random() < 0.3), "post",
                "ok", department=self.rng.choice(["文旅", "市场监管", "公安", "政府办"]), topic="general")
        for _ in range(PLAN["structure"]):
            text = self.pick("structure") + (self.pick("structure") if self.rng.random() < 0.2 else "")
            add("structure", text, "post", "ok", department=self.rng.choice(list(self.departments)),
                topic="general")
        for _ in range(PLAN["offtopic"]):
            add("offtopic", self.frame(self.some("offtopic", 1, 2), self.rng.random() < 0.1), "post", "off_topic",
                department=self.rng.choice(list(self.departments)), topic="other")
        for _ in range(PLAN["offtopic_cross"]):
            source = "tourism" if self.rng.random() < 0.4 else f"dept {self.rng.choice(self.sectors)}"
            sector = "文旅" if source == "tourism" else source.split(" ", 1)[1]
            add("offtopic_cross", self.frame(self.some(source, 1, 2)), "post", "off_topic",
                department=self.unrelated_account(sector), topic=sector, basis="duty")
        for _ in range(PLAN["cute_duty"]):
            sector = self.rng.choice(self.sectors)
            first, *rest = self.some(f"dept {sector}", 1, 3)
            body = [self.cutify(first), *(s if self.rng.random() < 0.5 else self.cutify(s) for s in rest)]
            self.rng.shuffle(body)
            add("cute_duty", self.frame(body, self.rng.random() < 0.15), "post", "entertainment",
                department=sector, topic=sector)
        for _ in range(PLAN["cute_body"]):
            text = self.pick("cute_open", 0.4) + self.pick("cute_body") + self.pick("cute_close", 0.4)
            add("cute_body", self.frame([text]), "post", "entertainment",
                department=self.rng.choice(list(self.departments)), topic="other")
        for recipe, section, label in (("reply_ok", "reply_ok", "ok"), ("reply_rude", "reply_rude", "rude")):
            for _ in range(PLAN[recipe]):
                body = self.some(section, 1, 1 if label == "rude" else 2)
                greet = "" if body[0].startswith("您好") else self.pick("reply_greet", 0.6)
                parts = [greet, *body, self.pick("reply_close", 0.4)]
                add(recipe, "".join(p for p in parts if p), "reply", label)
        return out


def build(seed: int = 20240601) -> list[dict]:
    """All examples of all pools, exact duplicates removed (first occurrence kept)."""
    sections = read_fragments(HERE / "fragments")
    duties = json.loads(DUTIES.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    rows: list[dict] = []
    for pool in range(POOLS):
        for row in Composer(sections, duties, pool, rng).examples():
            key = (row["text"], row["kind"], row.get("department", ""))
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--out", type=Path, default=HERE / "corpus.jsonl")
    args = parser.parse_args()
    rows = build(args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} examples to {args.out}")


if __name__ == "__main__":
    main()
