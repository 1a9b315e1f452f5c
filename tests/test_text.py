from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rocketui.text import inert, inert_lines

DANGEROUS = "\x1b\x07\x9b\x9d\x90\x9c\x00\x7f\u202e\u2066\u2028\r\x08"


def test_osc52_and_csi_are_made_visible() -> None:
    assert inert("a\x1b]52;c;aGk=\x07b") == "a\u241b]52;c;aGk=\u2407b"
    assert inert("\x9b31m") == "\\u009b31m"
    assert inert("abc\u202edef") == "abc\\u202edef"


def test_tabs_and_newlines() -> None:
    assert inert("a\tb") == "a    b"
    assert inert("a\nb") == "a\u240ab"
    assert inert("a\nb", newlines=True) == "a\nb"
    assert inert_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]


def test_printable_text_is_unchanged() -> None:
    assert inert("channel[addr=127.0.0.1:10911] 中文 [/] [@click=app.quit]") == (
        "channel[addr=127.0.0.1:10911] 中文 [/] [@click=app.quit]"
    )


@given(st.text(alphabet=st.sampled_from(list(DANGEROUS) + list("ab[]/=\n\t"))))
def test_no_control_character_survives(text: str) -> None:
    out = inert(text)
    assert not any(ch in out for ch in DANGEROUS + "\n\t")
    keep = inert(text, newlines=True)
    assert not any(ch in keep for ch in DANGEROUS + "\t")
