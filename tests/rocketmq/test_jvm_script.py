"""JVM memory flags in runserver.sh / runbroker.sh: scan, edit, validate, compare with a running JVM.

The scripts are the upstream launchers of RocketMQ 4.2.0, 4.9.8 and 5.3.3 (tests/data/jvm/upstream,
see its README), the official shapes (4.9.x and 5.x, tests/data/jvm) and rocketui's own templates;
here-document, multi-line string and continuation cases are crafted around them.
Edited scripts are syntax-checked with dash and bash and really run with a fake `java` that
prints its arguments, so the flags a JVM would get are observed, per Java-version branch.
"""

from __future__ import annotations

import stat
import string
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocketui.rocketmq import jvm_script as js
from rocketui.rocketmq.install import render_script
from rocketui.rocketmq.shell_lines import CODE, classify

DATA = Path(__file__).parent.parent / "data" / "jvm"
DIST_533 = Path(__file__).parent.parent / "data" / "dist" / "5.3.3" / "bin"

SCRIPTS = {
    "runserver-4.9.x": (DATA / "runserver-4.9.x.sh").read_text(),
    "runbroker-4.9.x": (DATA / "runbroker-4.9.x.sh").read_text(),
    "runserver-5.x": (DATA / "runserver-5.x.sh").read_text(),
    "runbroker-5.x": (DATA / "runbroker-5.x.sh").read_text(),
    "runserver-rocketui": render_script("runserver.sh"),
    "runbroker-rocketui": render_script("runbroker.sh"),
}
UPSTREAM = {p.stem: p.read_text() for p in sorted((DATA / "upstream").glob("*.sh"))}
# 5.3.3's launchers are kept once, with the rest of that release's bin/ (tests/data/dist/5.3.3)
UPSTREAM.update({f"{name}-5.3.3": (DIST_533 / f"{name}.sh").read_text() for name in ("runbroker", "runserver")})
SCRIPTS.update({f"upstream-{name}": text for name, text in UPSTREAM.items()})


def fake_java_home(tmp: Path, version: str) -> Path:
    """A JAVA_HOME whose bin/java answers -version like `version` and prints its argv otherwise."""
    home = tmp / f"jdk-{version}"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    java = home / "bin" / "java"
    java.write_text(f"""#!/bin/sh
if [ "$1" = "-version" ]; then
    echo 'openjdk version "{version}" 2025-04-15' >&2
    exit 0
fi
for a in "$@"; do echo "$a"; done
""")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    # 5.x upstream scripts on Linux take JAVA_HOME from `which javac`: make that this fake one
    javac = home / "bin" / "javac"
    javac.write_text("#!/bin/sh\nexit 0\n")
    javac.chmod(0o755)
    return home


def launch(tmp: Path, script_text: str, version: str, java_opt_ext: str = "") -> list[str]:
    """The argv the script gives `java` (after the options: main class and args)."""
    path = tmp / "bin" / "launcher.sh"
    path.parent.mkdir(exist_ok=True)
    path.write_text(script_text)
    java_home = fake_java_home(tmp, version)
    env = {
        "PATH": f"{java_home}/bin:/usr/bin:/bin",
        "HOME": str(tmp),
        "JAVA_HOME": str(java_home),
        "JAVA_OPT_EXT": java_opt_ext,
    }
    out = subprocess.run(
        ["sh", str(path), "-Dx=1", "org.example.Main", "arg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return ["java", *out.splitlines()]


def syntax_ok(text: str, tmp: Path) -> None:
    path = tmp / "check.sh"
    path.write_text(text)
    for shell in ("dash", "bash"):
        result = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (shell, result.stderr)


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(
    "value,expected",
    [
        ("256m", 256 << 20),
        ("8g", 8 << 30),
        ("8G", 8 << 30),
        ("1024k", 1 << 20),
        ("1t", 1 << 40),
        ("1073741824", 1 << 30),
    ],
)
def test_parse_size(value: str, expected: int) -> None:
    assert js.parse_size(value) == expected


@pytest.mark.parametrize("value", ["", "0", "0m", "8gb", "1.5g", "-1g", "g", " 8g", "8 g", "lots"])
def test_parse_size_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="expected a number with k, m, g or t, like 256m or 8g"):
        js.parse_size(value)


def test_format_size() -> None:
    assert [js.format_size(n) for n in (256 << 20, 8 << 30, 1536 << 20, 1000)] == ["256m", "8g", "1536m", "1000"]


def test_check_sizes() -> None:
    assert js.check_sizes({"Xms": [("1g", 3)], "Xmx": [("512m", 4)]}) == [
        "-Xms1g (line 3) is larger than -Xmx512m (line 4)"
    ]
    assert js.check_sizes({"Xmn": [("512m", 0)], "Xmx": [("512m", 0)]}) == ["-Xmn512m must be smaller than -Xmx512m"]
    assert js.check_sizes({"MetaspaceSize": [("256m", 0)], "MaxMetaspaceSize": [("128m", 0)]}) == [
        "-XX:MetaspaceSize=256m is larger than -XX:MaxMetaspaceSize=128m"
    ]
    assert js.check_sizes({"Xms": [("512m", 0)], "Xmx": [("512m", 0)], "Xmn": [("256m", 0)]}) == []
    # several values per flag: the worst combination counts
    assert js.check_sizes({"Xms": [("1g", 1), ("256m", 2)], "Xmx": [("1g", 1), ("512m", 2)]}) == [
        "-Xms1g (line 1) is larger than -Xmx512m (line 2)"
    ]


# ----------------------------------------------------------------------------- scanning
def test_scan_describes_every_official_shape() -> None:
    described = {name: {f: js.scan(text).describe(f) for f in js.FLAGS} for name, text in SCRIPTS.items()}
    assert described["runserver-4.9.x"] == {
        "Xms": "4g (lines 55, 60)",
        "Xmx": "4g (lines 55, 60)",
        "Xmn": "2g (line 55); not on line 60 (which set -Xmx), so only some Java versions get it",
        "MetaspaceSize": "128m (lines 55, 60)",
        "MaxMetaspaceSize": "320m (lines 55, 60)",
        "MaxDirectMemorySize": "not set",
    }
    assert described["runbroker-4.9.x"] == {
        "Xms": "8g (line 41)",
        "Xmx": "8g (line 41)",
        "Xmn": "4g (line 41)",
        "MetaspaceSize": "not set",
        "MaxMetaspaceSize": "not set",
        "MaxDirectMemorySize": "15g (line 47)",
    }
    assert described["runbroker-5.x"]["Xmn"] == (
        "4g (line 63); not on line 78 (which set -Xmx), so only some Java versions get it"
    )
    assert described["runbroker-5.x"]["Xmx"] == "8g (line 78)"
    assert described["runbroker-rocketui"]["MaxDirectMemorySize"] == "15g (line 75)"
    for text in SCRIPTS.values():
        info = js.scan(text)
        assert info.blocked() == [] and info.problems() == []


def test_scan_of_the_upstream_launchers() -> None:
    """The real scripts (tests/data/jvm/upstream): every heap line is code and editable."""
    described = {name: {f: js.scan(text).describe(f) for f in js.FLAGS} for name, text in SCRIPTS.items()}
    assert described["upstream-runbroker-5.3.3"]["Xmx"] == "8g (line 103)"
    assert described["upstream-runbroker-5.3.3"]["Xmn"] == (
        "4g (line 87); not on line 103 (which set -Xmx), so only some Java versions get it"
    )
    assert described["upstream-runbroker-5.3.3"]["MaxDirectMemorySize"] == "15g (line 107)"
    assert described["upstream-runserver-4.9.8"]["Xms"] == "4g (lines 71, 76)"
    assert described["upstream-runbroker-4.2.0"]["Xmn"] == "4g (line 39)"
    for name, text in UPSTREAM.items():
        kinds = {line.kind for line in classify(text)}
        assert kinds == {CODE}, name  # no heredocs, strings or continuations upstream
        assert js.scan(text).untouched == ()


def test_commented_and_expanding_lines() -> None:
    text = (
        '#JAVA_OPT="${JAVA_OPT} -Xmx1g"\n'
        'JAVA_OPT="${JAVA_OPT} -server -Xms2g -Xmx2g" # heap\n'
        'JAVA_OPT="${JAVA_OPT} -Xmn${YOUNG}"\n'
        'JAVA_OPT="${JAVA_OPT} -Xlog:gc*:file=${GC_LOG_DIR}/gc.log"\n'
    )
    info = js.scan(text)
    assert [(line.number, line.editable, line.flags) for line in info.lines] == [
        (2, True, (("Xms", "2g"), ("Xmx", "2g"))),
        (3, False, (("Xmn", "${YOUNG}"),)),
    ]
    assert js.set_flags(text, {"Xmx": "1g", "Xms": "1g"}) == text.replace("-Xms2g -Xmx2g", "-Xms1g -Xmx1g")
    with pytest.raises(
        js.JvmScriptError,
        match=r"line 3 sets -Xmn but is not a plain JAVA_OPT=.*edit it by hand: "
        r"JAVA_OPT=\"\$\{JAVA_OPT\} -Xmn\$\{YOUNG\}\"",
    ):
        js.set_flags(text, {"Xmn": "256m"})


def test_conditional_tracking() -> None:
    text = (
        "f() {\n"
        '  if [ a ]; then JAVA_OPT="${JAVA_OPT} -Xmx1g"\n'
        "  elif [ b ]; then\n"
        '    JAVA_OPT="${JAVA_OPT} -Xmx2g"\n'
        "  fi\n"
        '  case x in y) JAVA_OPT="${JAVA_OPT} -Xmx3g";; esac\n'
        "}\n"
        'JAVA_OPT="${JAVA_OPT} -Xmx4g"\n'
        '[ -d /x ] && JAVA_OPT="${JAVA_OPT} -Xmx5g"\n'
    )
    lines = {line.number: (line.editable, line.conditional) for line in js.scan(text).lines}
    # 2, 6 and 9 are not plain JAVA_OPT lines: reported, never edited
    assert lines == {2: (False, True), 4: (True, True), 6: (False, True), 8: (True, False), 9: (False, True)}


# ----------------------------------------------------------------------------- editing
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_set_heap_in_every_shape(name: str, tmp_path: Path) -> None:
    text = SCRIPTS[name]
    new = js.set_flags(text, {"Xms": "512m", "Xmx": "512m", "Xmn": "256m", "MaxDirectMemorySize": "1g"})
    syntax_ok(new, tmp_path)
    assert len(new.splitlines()) == len(text.splitlines())
    changed = [i for i, (a, b) in enumerate(zip(text.splitlines(), new.splitlines(), strict=False)) if a != b]
    info = js.scan(new)
    assert all(any(line.number == i + 1 and line.editable for line in info.lines) for i in changed)
    for flag, value in {"Xms": "512m", "Xmx": "512m", "Xmn": "256m", "MaxDirectMemorySize": "1g"}.items():
        assert (
            info.values(flag) == [value]
            and info.always_set(flag)
            or all(any(f == flag for f, _ in line.flags) for line in info.heap_lines())
        ), (flag, info.describe(flag))
    assert info.problems() == []
    assert js.set_flags(new, {"Xms": "512m", "Xmx": "512m", "Xmn": "256m", "MaxDirectMemorySize": "1g"}) == new
    assert js.set_flags(text, {}) == text


@pytest.mark.parametrize("name", list(SCRIPTS))
@pytest.mark.parametrize("version", ["1.8.0_392", "17.0.15"])
def test_edited_script_launches_java_with_the_new_flags(name: str, version: str, tmp_path: Path) -> None:
    """Run the script with a fake java: every Java-version branch gets exactly the new values."""
    new = js.set_flags(SCRIPTS[name], {"Xms": "512m", "Xmx": "512m", "Xmn": "128m", "MaxMetaspaceSize": "192m"})
    got = js.running_flags(launch(tmp_path, new, version))
    assert (got["Xms"], got["Xmx"], got["Xmn"], got["MaxMetaspaceSize"]) == ("512m", "512m", "128m", "192m")
    before = js.running_flags(launch(tmp_path, SCRIPTS[name], version))
    for flag in ("MetaspaceSize", "MaxDirectMemorySize"):
        assert got.get(flag) == before.get(flag)
    # JAVA_OPT_EXT comes after the script's options and wins
    assert js.running_flags(launch(tmp_path, new, version, "-Xmx1g"))["Xmx"] == "1g"


def test_running_the_official_shapes_before_editing(tmp_path: Path) -> None:
    """What the unedited scripts give: the branch structure the editor has to cope with."""

    def flags(name: str, version: str) -> dict[str, str]:
        return js.running_flags(launch(tmp_path, SCRIPTS[name], version))

    assert flags("runserver-5.x", "1.8.0_392")["Xmn"] == "2g"
    assert "Xmn" not in flags("runserver-5.x", "17.0.15")
    assert "Xmn" not in flags("runbroker-5.x", "1.8.0_392")  # -Xmn4g is only for Java < 8
    assert flags("runbroker-4.9.x", "17.0.15") == {"Xms": "8g", "Xmx": "8g", "Xmn": "4g", "MaxDirectMemorySize": "15g"}


def test_missing_flag_goes_next_to_the_heap_flags() -> None:
    new = js.set_flags(SCRIPTS["runbroker-rocketui"], {"Xmn": "1g", "MetaspaceSize": "96m"})
    assert 'JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g -Xmn1g -XX:MetaspaceSize=96m"\n' in new
    assert 'JAVA_OPT="${JAVA_OPT} -Xmn1g -XX:+UseConcMarkSweepGC' in new  # the Java < 8 branch too
    text = 'JAVA_OPT="${JAVA_OPT} -server -Xmx2g"\n'
    assert js.set_flags(text, {"Xms": "1g"}) == 'JAVA_OPT="${JAVA_OPT} -server -Xms1g -Xmx2g"\n'


def test_remove_flags() -> None:
    new = js.set_flags(SCRIPTS["runserver-5.x"], {"Xmn": None, "MetaspaceSize": None})
    info = js.scan(new)
    assert info.sites("Xmn") == [] and info.sites("MetaspaceSize") == []
    assert 'JAVA_OPT="${JAVA_OPT} -server -Xms4g -Xmx4g -XX:MaxMetaspaceSize=320m"' in new
    assert js.set_flags(new, {"Xmn": None}) == new
    with pytest.raises(js.JvmScriptError, match="-Xmx cannot be removed"):
        js.set_flags(new, {"Xmx": None})


def test_keeps_indentation_comment_and_crlf() -> None:
    text = '#!/bin/sh\r\n\tJAVA_OPT="$JAVA_OPT -Xms1g  -Xmx1g"   # heap\r\nexit 0\r\n'
    assert js.set_flags(text, {"Xmx": "2g", "Xms": "2g"}) == (
        '#!/bin/sh\r\n\tJAVA_OPT="$JAVA_OPT -Xms2g  -Xmx2g"   # heap\r\nexit 0\r\n'
    )


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"Xmx": "8gb"}, "-Xmx: '8gb' is not a JVM size"),
        ({"Xss": "1m"}, "unknown memory flag 'Xss'"),
        ({"Xms": "0"}, "-Xms: '0' is not a JVM size"),
    ],
)
def test_set_flags_refuses(changes: dict[str, str | None], message: str) -> None:
    with pytest.raises(js.JvmScriptError, match=message):
        js.set_flags(SCRIPTS["runbroker-5.x"], changes)


def test_no_place_for_a_new_flag() -> None:
    with pytest.raises(
        js.JvmScriptError, match="no editable JAVA_OPT line sets -Xmx, so there is no place to add -Xmn"
    ):
        js.set_flags('JAVA_OPT="${JAVA_OPT} -server"\n', {"Xmn": "1g"})


def test_problems_consider_each_branch() -> None:
    new = js.set_flags(SCRIPTS["runbroker-5.x"], {"Xms": "512m", "Xmx": "512m"})
    assert js.scan(new).problems() == ["-Xmn4g (line 63) must be smaller than -Xmx512m (line 78)"]
    new = js.set_flags(SCRIPTS["runserver-5.x"], {"Xms": "1g", "Xmx": "1g"})
    assert js.scan(new).problems() == ["-Xmn2g (line 64) must be smaller than -Xmx1g (line 64)"]


# ----------------------------------------------------------------------------- running JVM
ARGV = (
    "/usr/lib/jvm/java-17/bin/java",
    "-server",
    "-Xms8g",
    "-Xmx8g",
    "-XX:+UseG1GC",
    "-XX:MaxDirectMemorySize=15g",
    "-Xms256m",
    "-Xmx256m",
    "-Duser.home=/w/broker-a",
    "-cp",
    ".:/h/conf:/h/lib/*",
    "org.apache.rocketmq.broker.BrokerStartup",
    "-c",
    "/w/broker-a.properties",
    "-Xmx99g",
)


def test_running_flags_last_occurrence_before_main_class() -> None:
    assert js.running_flags(ARGV) == {"Xms": "256m", "Xmx": "256m", "MaxDirectMemorySize": "15g"}
    # the word after -cp is its value, not an option
    assert js.jvm_options(["java", "-Xms1g", "-cp", "-Xmx1g", "Main", "-Xmx2g"]) == ["-Xms1g", "-cp"]
    assert js.running_flags(["java", "-cp", "-Xmx1g", "Main"]) == {}


def test_restart_reasons() -> None:
    script = js.scan(SCRIPTS["runbroker-rocketui"])
    ext = "-Xms256m -Xmx256m"
    assert js.restart_reasons(ARGV, script, ext) == []
    edited = js.scan(js.set_flags(SCRIPTS["runbroker-rocketui"], {"MaxDirectMemorySize": "1g"}))
    assert js.restart_reasons(ARGV, edited, ext) == [
        "running with -XX:MaxDirectMemorySize=15g, the script now gives -XX:MaxDirectMemorySize=1g"
    ]
    # JAVA_OPT_EXT beats the script: a script heap edit changes nothing for this node
    heap = js.scan(js.set_flags(SCRIPTS["runbroker-rocketui"], {"Xmx": "4g", "Xms": "4g"}))
    assert js.restart_reasons(ARGV, heap, ext) == []
    assert js.restart_reasons(ARGV, heap, "") == [
        "running with -Xms256m, the script now gives -Xms4g",
        "running with -Xmx256m, the script now gives -Xmx4g",
    ]
    # 1024m is 1g
    assert (
        js.restart_reasons(
            ("java", "-Xms1024m", "-Xmx1g", "-XX:MaxDirectMemorySize=15g", "M"), heap, "-Xms1g -Xmx1024m"
        )
        == []
    )


def test_restart_reasons_flag_added_or_removed() -> None:
    script = js.scan('JAVA_OPT="${JAVA_OPT} -Xms1g -Xmx1g -Xmn256m"\n')
    assert js.restart_reasons(("java", "-Xms1g", "-Xmx1g", "M"), script) == [
        "running with no -Xmn, the script now gives -Xmn256m"
    ]
    assert js.restart_reasons(("java", "-Xms1g", "-Xmx1g", "-Xmn256m", "-XX:MaxDirectMemorySize=1g", "M"), script) == [
        "running with -XX:MaxDirectMemorySize=1g, the script now gives not set"
    ]


# ----------------------------------------------------------------------------- property based
SIZES = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 4096), st.sampled_from(["m", "g", "M", "G", "k", ""]))
OTHER_WORDS = st.sampled_from(
    [
        "-server",
        "-XX:+UseG1GC",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:SurvivorRatio=8",
        "-XX:+AlwaysPreTouch",
        "-Dfoo=bar",
        "-XX:G1HeapRegionSize=16m",
    ]
)
FLAG_WORDS = st.builds(lambda f, v: js.token(f, v), st.sampled_from(list(js.FLAGS)), SIZES)


@st.composite
def scripts(draw: st.DrawFn) -> str:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = ["#!/bin/sh"]
    heap = f'JAVA_OPT="${{JAVA_OPT}} -server -Xms{draw(SIZES)} -Xmx{draw(SIZES)}"'
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["opt", "comment", "gc", "if", "blank", "other"]))
        words = draw(st.lists(st.one_of(FLAG_WORDS, OTHER_WORDS), min_size=1, max_size=5))
        body = " ".join(words)
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        if kind == "opt":
            lines.append(f'{indent}JAVA_OPT="${{JAVA_OPT}} {body}"' + draw(st.sampled_from(["", "  # c"])))
        elif kind == "comment":
            lines.append(f'#JAVA_OPT="${{JAVA_OPT}} {body}"')
        elif kind == "gc":
            lines.append('JAVA_OPT="${JAVA_OPT} -Xlog:gc*:file=${GC_LOG_DIR}/gc.log"')
        elif kind == "if":
            lines += ['if [ "$V" -lt "9" ]; then', f'  JAVA_OPT="${{JAVA_OPT}} {body}"', "else", f"  {heap}", "fi"]
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "   "])))
        else:
            lines.append(draw(st.text(string.ascii_letters + " =$\"'{}", max_size=30)).replace('"', "") or "true")
    position = draw(st.integers(1, len(lines)))
    lines.insert(position, heap)
    return eol.join(lines) + draw(st.sampled_from([eol, ""]))


CHANGES = st.dictionaries(st.sampled_from(list(js.FLAGS)), st.one_of(SIZES, st.none()), min_size=1, max_size=6)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(scripts(), CHANGES)
def test_property_edit_changes_only_java_opt_lines(text: str, changes: dict[str, str | None]) -> None:
    changes = {f: (v if v is not None or f in js.REMOVABLE else "1g") for f, v in changes.items()}
    info = js.scan(text)
    assert js.set_flags(text, {}) == text
    try:
        new = js.set_flags(text, changes)
    except js.JvmScriptError as exc:
        assert "no editable JAVA_OPT line" in str(exc) or "edit it by hand" in str(exc)
        return
    old_lines, new_lines = text.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    editable = {line.number for line in info.lines if line.editable}
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), 1):
        if a != b:
            assert number in editable
            assert a[len(a.rstrip("\r\n")) :] == b[len(b.rstrip("\r\n")) :]  # line ending kept
    after = js.scan(new)
    for flag, value in changes.items():
        if value is None:
            assert after.sites(flag) == []
        else:
            assert after.values(flag) == [value]
            assert after.always_set(flag) or all(
                any(f == flag for f, _ in line.flags) for line in after.heap_lines() if line.editable
            )
    assert js.set_flags(new, changes) == new  # idempotent


# ----------------------------------------------------------------------------- not code
HEREDOCS = """\
#!/bin/sh
JAVA_OPT="${JAVA_OPT} -server -Xms2g -Xmx2g"
cat <<'EOF' > /dev/null
JAVA_OPT="${JAVA_OPT} -Xms1g"
EOF
	cat <<-END > /dev/null
	JAVA_OPT="${JAVA_OPT} -Xmx3g"
	END
: <<"COMMENTED_OUT" ; cat > /dev/null <<\\X
JAVA_OPT="${JAVA_OPT} -Xms4g -Xmx4g"
COMMENTED_OUT
JAVA_OPT="${JAVA_OPT} -Xmx5g"
X
echo $((1 << 2)) > /dev/null
NOTE='a note
JAVA_OPT="${JAVA_OPT} -Xmn6g"
'
echo \\
JAVA_OPT="${JAVA_OPT} -Xmn7g" > /dev/null
JAVA_OPT="${JAVA_OPT} -XX:MaxDirectMemorySize=1g"
printf '%s\\n' "$JAVA_OPT"
"""


def test_heredocs_strings_and_continuations_are_not_code(tmp_path: Path) -> None:
    """Every kind of here-document (quoted, unquoted, <<-, two on a line), a multi-line string and a
    backslash continuation: only lines 2 and 20 are code; the shell agrees."""
    syntax_ok(HEREDOCS, tmp_path)
    kinds = [(line.number, line.kind) for line in classify(HEREDOCS)]
    assert [n for n, k in kinds if k == "heredoc"] == [4, 5, 7, 8, 10, 11, 12, 13]
    assert [n for n, k in kinds if k == "string"] == [16, 17]
    assert [n for n, k in kinds if k == "continued"] == [19]
    script = tmp_path / "h.sh"
    script.write_text(HEREDOCS)
    for shell in ("dash", "bash"):
        ran = subprocess.run([shell, str(script)], capture_output=True, text=True, check=True).stdout
        assert ran.split() == ["-server", "-Xms2g", "-Xmx2g", "-XX:MaxDirectMemorySize=1g"], shell
    info = js.scan(HEREDOCS)
    assert [(line.number, line.editable) for line in info.lines] == [(2, True), (16, False), (19, False), (20, True)]
    assert [line.number for line in info.untouched] == [4, 7, 10, 12]
    assert info.describe("Xms") == "2g (line 2)" and info.describe("Xmx") == "2g (line 2)"


def test_heredoc_lines_are_left_alone_and_said_so(tmp_path: Path) -> None:
    new = js.set_flags(HEREDOCS, {"Xms": "512m", "Xmx": "512m"})
    changed = [n for n, (a, b) in enumerate(zip(HEREDOCS.splitlines(), new.splitlines(), strict=True), 1) if a != b]
    assert changed == [2] and "-Xms512m -Xmx512m" in new.splitlines()[1]
    script = tmp_path / "h.sh"
    script.write_text(new)
    ran = subprocess.run(["dash", str(script)], capture_output=True, text=True, check=True).stdout
    assert ran.split() == ["-server", "-Xms512m", "-Xmx512m", "-XX:MaxDirectMemorySize=1g"]
    tail = "text for a command, not this script's options; left alone"
    assert js.scan(HEREDOCS).untouched_notes(["Xms", "Xmx"]) == [
        f"line 4 mentions -Xms1g inside a here-document (<<'EOF', line 3): {tail}",
        f"line 7 mentions -Xmx3g inside a here-document (<<-END, line 6): {tail}",
        f'line 10 mentions -Xms4g -Xmx4g inside a here-document (<<"COMMENTED_OUT", line 9): {tail}',
        f"line 12 mentions -Xmx5g inside a here-document (<<\\X, line 9): {tail}",
    ]


def test_a_flag_in_a_multi_line_string_or_continuation_blocks_its_edit() -> None:
    with pytest.raises(js.JvmScriptError, match=r"line 16 sets -Xmn but is inside a quoted string opened on line 15"):
        js.set_flags(HEREDOCS, {"Xmn": "256m"})
    text = 'JAVA_OPT="${JAVA_OPT} -Xmx1g"\nexport \\\n  X=1 JAVA_OPT="${JAVA_OPT} -Xms1g"\n'
    with pytest.raises(js.JvmScriptError, match=r"line 3 sets -Xms but is part of the command continued from line 2"):
        js.set_flags(text, {"Xms": "1g"})


# Blocks a generated script is made of: (lines, are its JAVA_OPT lines code?).  Each JAVA_OPT line
# gets its own -Xms size, so the shell's final JAVA_OPT tells which lines really ran as code.
BLOCKS: dict[str, tuple[list[str], bool]] = {
    "plain": (['JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"'], True),
    "if": (["if true; then", '  JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"', "fi"], True),
    "heredoc": (["cat >/dev/null <<EOF", 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"', "EOF"], False),
    "heredoc-quoted": ([": <<'EOF'", 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"', "EOF"], False),
    "heredoc-tabs": (['\tcat >/dev/null <<-"END"', '\tJAVA_OPT="${{JAVA_OPT}} -Xms{a}m"', "\tEND"], False),
    "heredoc-two": (
        [
            "cat <<A >/dev/null; cat <<'B' >/dev/null",
            'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"',
            "A",
            'JAVA_OPT="${{JAVA_OPT}} -Xms{b}m"',
            "B",
        ],
        False,
    ),
    "string": (["X='start", 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"', "end'"], False),
    "continued": (["echo >/dev/null \\", 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"'], False),
    "comment": (['# JAVA_OPT="${{JAVA_OPT}} -Xms{a}m" <<EOF'], False),
    "here-string": (['cat <<<"x" >/dev/null', 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"'], True),
    "arith": (["echo $((1<<3)) >/dev/null", 'JAVA_OPT="${{JAVA_OPT}} -Xms{a}m"'], True),
}


def run_bash(path: Path, text: str) -> list[str]:
    path.write_text(text)
    return subprocess.run(["bash", str(path)], capture_output=True, text=True, check=True).stdout.split()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(BLOCKS)), min_size=1, max_size=8))
def test_the_scanner_agrees_with_the_shell(tmp_path: Path, names: list[str]) -> None:
    """Scripts made of random blocks: a JAVA_OPT line is editable exactly when bash really ran it
    as an assignment (its -Xms size is in the final JAVA_OPT), and an edit changes only those."""
    lines = ['JAVA_OPT="${JAVA_OPT} -Xmx8g"']
    code_sizes: list[int] = []
    for i, name in enumerate(names):
        block, is_code = BLOCKS[name]
        a, b = 2 * i + 1, 2 * i + 2
        lines += [line.format(a=a, b=b) for line in block]
        if is_code:
            code_sizes += [a, b] if any("{b}" in line for line in block) else [a]
    lines.append('printf "%s\\n" "$JAVA_OPT"')
    text = "\n".join(lines) + "\n"
    script = tmp_path / "gen.sh"
    assert [w for w in run_bash(script, text) if w.startswith("-Xms")] == [f"-Xms{n}m" for n in code_sizes]
    info = js.scan(text)
    editable = [v for line in info.lines if line.editable for f, v in line.flags if f == "Xms"]
    assert editable == [f"{n}m" for n in code_sizes]
    if info.blocked():  # a flag in a multi-line string or continuation: the edit refuses
        with pytest.raises(js.JvmScriptError):
            js.set_flags(text, {"Xms": "999m"})
        return
    new = js.set_flags(text, {"Xms": "999m"})
    after = [w for w in run_bash(script, new) if w.startswith("-Xms")]
    # every -Xms that runs is the new one (one only on a conditional line is also put next to -Xmx)
    assert after and set(after) == {"-Xms999m"}
    assert len(after) == len(code_sizes) + (0 if info.always_set("Xms") else 1)
    untouched = {line.number for line in info.untouched}
    for number, (old, edited) in enumerate(zip(text.splitlines(), new.splitlines(), strict=True), 1):
        if number in untouched:
            assert old == edited
