#!/usr/bin/env python3
"""Regenerates fixtures/rich-messages.json from the canonical examples of
../shared/spec/rich-messages.md §7, adding the expected outcome of each fixture.

The expectations are ours (read off the spec's prose under each example); run this again when
the spec changes and review the diff."""
import json, pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
spec = (root.parent / "shared/spec/rich-messages.md").read_text()
section = spec[spec.index("## 7. Canonical examples"):]
blocks = re.findall(r"```json\n(.*?)\n```", section, re.S)

# shown: agent | fallback | placeholder | customer; serverRules: what check_content reports.
EXPECT = {
    "F01-plain-text": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": []},
    "F02-rich-text": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Order bot"},
    "F03-image": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Lina"},
    "F04-standalone-card": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Shop assistant"},
    "F05-carousel-medium": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Café bot"},
    "F06-carousel-small-tall": {"shown": "fallback", "lang": "en", "dir": "ltr", "serverRules": ["CA3"], "text": "Available colours: Red, Blue."},
    "F07-thirteen-chips": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": []},
    "F08-live-agent": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Acme AI"},
    "F09-sign-in": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": [], "representative": "Order bot",
                    "withoutSignIn": {"shown": "fallback", "text": "Please sign in at https://shop.example.com/account to see your orders."}},
    "F10-arabic": {"shown": "agent", "lang": "ar", "dir": "rtl", "serverRules": []},
    "F11-multilingual": {"shown": "agent", "lang": "tr", "dir": "ltr", "serverRules": [],
                         "otherVisitors": {"ar": "ar", "fr": "en", "en": "en"}},
    "F12-malicious": {"shown": "fallback", "lang": "en", "dir": "ltr", "serverRules": ["R1", "S5", "T1", "T2"],
                      "text": "<b>Hello</b> & welcome", "representative": None},
    "F13-fourteen-chips": {"shown": "fallback", "lang": "en", "dir": "ltr", "serverRules": ["M3"],
                           "text": "Pick a time for your fitting between 09:00 and 15:30 and reply with it."},
    "F14-html-as-text": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": []},
    "F15-suggestion-response": {"shown": "customer", "lang": "en", "dir": "ltr", "serverRules": [], "text": "Store hours"},
    "F16-two-contents": {"shown": "placeholder", "lang": "en", "dir": "ltr", "serverRules": ["M1"],
                         "text": "This message can't be shown here."},
    "F17-rich-text-unsafe-link": {"shown": "agent", "lang": "en", "dir": "ltr", "serverRules": ["T1"]},
    "F18-wrong-type": {"shown": "placeholder", "lang": "tr", "dir": "ltr", "serverRules": ["E3"],
                       "text": "Bu mesaj burada gösterilemiyor."},
}

fixtures = []
for block in blocks:
    fixture = json.loads(block)
    name = fixture["fixture"]
    fixture["expect"] = EXPECT[name]
    fixtures.append(fixture)
missing = set(EXPECT) - {f["fixture"] for f in fixtures}
if missing:
    sys.exit(f"fixtures missing from the spec: {sorted(missing)}")
out = root / "fixtures/rich-messages.json"
out.write_text(json.dumps(fixtures, ensure_ascii=False, indent=1) + "\n")
print(f"wrote {len(fixtures)} fixtures to {out.relative_to(root)}")
