# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.cri.runtimes.plugins.module_utils import _systemd_unit as su

FIXTURES = Path(__file__).parent / "fixtures" / "kubelet"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b  c", ["a", "b", "c"]),
        ('"A=1" "B=2"', ["A=1", "B=2"]),
        ("'A=x y' B=2", ["A=x y", "B=2"]),
        ('"A=say \\"hi\\""', ['A=say "hi"']),
        ('pre"quoted part"post', ["prequoted partpost"]),
        ('"tab\\there"', ["tab\there"]),
        ("\\x41BC", ["ABC"]),
        ("", []),
    ],
)
def test_split_words(text: str, expected: list[str]) -> None:
    assert [w.value for w in su.split_words(text)] == expected


@pytest.mark.parametrize("text", ['"A=1', "'A=1 B=2", 'A="x'])
def test_split_words_unbalanced_quote(text: str) -> None:
    with pytest.raises(su.UnitSyntaxError, match="unbalanced"):
        su.split_words(text, "f: line 3: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A=1\\\n   B=2", ["A=1", "B=2"]),  # the continuation's backslash becomes a space
        ('"A=1 \\\n  2"', ["A=1    2"]),  # inside quotes too
        ('"A=1" \\\n# "B=2" \\\n  ; "C=3"\n "D=4"', ["A=1", "D=4"]),  # comment lines inside are skipped
    ],
)
def test_continuation_lines(value: str, expected: list[str]) -> None:
    unit = su.parse_unit(f"[Service]\nEnvironment={value}\nRestart=always\n", "d.conf")
    (line,) = unit.assignments("Environment")
    assert [f"{a.name}={a.value}" for a in su.parse_environment(line, "d.conf")] == expected
    assert unit.assignments("Restart")[0].lineno == 3 + value.count("\n")
    assert unit.render() == f"[Service]\nEnvironment={value}\nRestart=always\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b  c", ["a", "b", "c"]),
        ('--a=\'x y\' "--b=\\"q z\\""', ["--a=x y", '--b="q z"']),
        ("--a=it's --b", ["--a=its --b"]),  # an unbalanced quote runs to the end (EXTRACT_RELAX)
        # a backslash takes the next character, no C escapes; a trailing one is eaten (EXTRACT_RELAX; real
        # systemd 252 dropped it in the recorded case split-variable-backslashes, where this row once kept it)
        ("a\\ b \\x41 c\\", ["a b", "x41", "c"]),
        ("  ", []),
    ],
)
def test_split_variable(text: str, expected: list[str]) -> None:
    words = su.split_variable(text)
    assert [w.value for w in words] == expected


# systemd's splitting rules, as its man pages state them (systemd 252), one scanner with three flag sets.
# Each row names the rule's source and the case of fixtures/systemd_argv.json in which real systemd 252
# gave the same words (a row's citation cannot rot: test_rule_was_recorded checks the case exists).
RECORDED = {
    c["id"]: c for c in json.loads((Path(__file__).parent / "fixtures" / "systemd_argv.json").read_text())["cases"]
}
SPLITTING_RULES = [
    # systemd.syntax(7) QUOTING, systemd.service(5) "Command lines": double and single quotes wrap an item
    # and are removed
    ("quotes", su.EXEC, "\"--a=x y\" '--b=z w'", ["--a=x y", "--b=z w"], "quoted-words-and-prefixes-in-execstart"),
    # the man pages say an opening quote may appear only at the start of an item; systemd opens it anywhere
    ("quote inside a word", su.EXEC, 'pre"mid dle"post', ["premid dlepost"], "quoted-words-and-prefixes-in-execstart"),
    ("quote after the name", su.ENVIRONMENT, 'A="--a b"', ["A=--a b"], "quote-opening-after-the-name-in-environment"),
    # systemd.syntax(7) QUOTING: the C-style escape table (\\s is a space, \\nnn octal, \\xxx hexadecimal)
    (
        "escapes",
        su.EXEC,
        '--o=\\101 --s=a\\sb "--d=x\\"y"',
        ["--o=A", "--s=a b", '--d=x"y'],
        "execstart-octal-space-and-unknown-escapes",
    ),
    ("escapes", su.ENVIRONMENT, '"A=tab\\there" "C=s\\sp"', ["A=tab\there", "C=s p"], "known-escapes-in-environment"),
    # systemd.syntax(7) QUOTING: "unknown patterns will result in a warning": ExecStart= keeps them as written
    ("unknown escape", su.EXEC, "--u=\\q", ["--u=\\q"], "execstart-octal-space-and-unknown-escapes"),
    # systemd.service(5) "Command lines": a lone ";" separates commands, "\\;" is a literal ";"
    ("escaped semicolon", su.EXEC, "--v=2 \\; --x", ["--v=2", "\\;", "--x"], "execstart-semicolon-separates-commands"),
    # systemd.service(5) "Command lines": for "$FOO" "quotes are respected when splitting into words, and
    # afterwards removed"; the value is split without C escapes, a backslash takes the next character
    ("$FOO splitting", su.VARIABLE, '--c="x y" --d', ["--c=x y", "--d"], "quotes-inside-a-split-variable-value"),
    (
        "$FOO splitting",
        su.VARIABLE,
        "--f=\\x41 --g=\\q --e=c\\",
        ["--f=x41", "--g=q", "--e=c"],
        "split-variable-backslashes",
    ),
    ("$FOO splitting", su.VARIABLE, "--a=it's --b", ["--a=its --b"], "quotes-inside-a-split-variable-value"),
    # systemd.exec(5) Environment=: "Variable expansion is not performed inside the strings" and "the $
    # character has no special meaning"
    ("$ in Environment=", su.ENVIRONMENT, '"A=$B" "C=${B}x"', ["A=$B", "C=${B}x"], "dollar-is-literal-in-environment"),
]


@pytest.mark.parametrize(("rule", "rules", "text", "expected", "recorded"), SPLITTING_RULES)
def test_splitting_rules(rule: str, rules: su.SplitRules, text: str, expected: list[str], recorded: str) -> None:
    assert [w.value for w in su.split_words(text, "", rules)] == expected, rule


@pytest.mark.parametrize("recorded", sorted({row[-1] for row in SPLITTING_RULES}))
def test_rule_was_recorded(recorded: str) -> None:
    assert recorded in RECORDED


@pytest.mark.parametrize(
    ("rules", "text", "message"),
    [
        # systemd.exec(5) Environment= takes quoted assignments; systemd 252 refuses a bad word as
        # "Invalid syntax" (recorded: unknown-escape-drops-the-environment-line,
        # unbalanced-quote-drops-the-environment-line)
        (su.ENVIRONMENT, '"A=\\q"', "unknown escape \\\\q"),
        (su.ENVIRONMENT, '"A=1', 'unbalanced " quote'),
        # systemd.service(5) "Command lines": quotes must balance (no EXTRACT_RELAX for ExecStart=)
        (su.EXEC, "--a='x", "unbalanced ' quote"),
    ],
)
def test_splitting_errors(rules: su.SplitRules, text: str, message: str) -> None:
    with pytest.raises(su.UnitSyntaxError, match=message):
        su.split_words(text, "f: line 3: ", rules)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # systemd.syntax(7): "Lines ending in a backslash are concatenated with the following line while
        # reading and the backslash is replaced by a space character", inside quotes too
        ('"--a=x \\\n  y" --v=2', ["/usr/bin/kubelet", "--a=x    y", "--v=2"]),
        # systemd.syntax(7): comment lines inside a continuation are skipped
        ("\\\n# --commented \\\n  --v=2", ["/usr/bin/kubelet", "--v=2"]),
    ],
)
def test_continuation_in_command_lines(value: str, expected: list[str]) -> None:
    unit = su.parse_unit(f"[Service]\nExecStart=/usr/bin/kubelet {value}\n", "d.conf")
    command = su.parse_exec(unit.assignments("ExecStart")[0], "d.conf")
    assert command is not None
    assert [w.value for w in command.words] == expected


@pytest.mark.parametrize(
    ("word", "env", "expected", "recorded"),
    [
        # systemd.service(5) "Command lines": "$FOO" as a word of its own is split at whitespace
        # (zero or more arguments) ...
        ("$A", {"A": "--a --b"}, ["--a", "--b"], "unbraced-variable-splits"),
        ("$A", {}, [], "unset-unbraced-variable-is-no-word"),
        # ... quoting it in the unit file does not stop that: the quotes are gone before start
        ("$A", {"A": "--a --b"}, ["--a", "--b"], "quoted-dollar-word-still-splits"),
        # ... "${FOO}" is the exact value, "always resulting in exactly a single argument"
        ("${A}", {"A": "--a --b"}, ["--a --b"], "quoted-dollar-word-still-splits"),
        ("${A}", {}, [""], "unset-braced-variable-is-an-empty-word"),
        # ... "$FOO" inside a word is not substituted; "$$" is a literal "$"
        ("--a=$A", {"A": "1"}, ["--a=$A"], "unbraced-variable-inside-a-word"),
        ("--a=$$A", {"A": "1"}, ["--a=$A"], "dollar-dollar-and-percent-percent"),
        # ... and the value is not expanded again (systemd.exec(5): "$" has no meaning in Environment=)
        ("--a=${A}", {"A": "$B", "B": "--b"}, ["--a=$B"], "dollar-is-literal-in-environment"),
    ],
)
def test_variable_rules(word: str, env: dict[str, str], expected: list[str], recorded: str) -> None:
    assert su.expand_word(word, env) == expected
    assert recorded in RECORDED


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("$A", {"A": "x  y"}, ["x", "y"]),
        ("$A", {}, []),
        ("${A}", {"A": "x  y"}, ["x  y"]),
        ("${A}", {}, [""]),
        ("--a=${A}:${B}", {"A": "1", "B": "2"}, ["--a=1:2"]),
        ("--a=$A", {"A": "1"}, ["--a=$A"]),
        ("$$A", {"A": "1"}, ["$A"]),
        ("$${A}", {"A": "1"}, ["${A}"]),
        ("--z=${UNCLOSED", {}, ["--z=${UNCLOSED"]),
    ],
)
def test_expand_word(word: str, env: dict[str, str], expected: list[str]) -> None:
    assert su.expand_word(word, env) == expected


def test_specifiers() -> None:
    specs = su.unit_specifiers("kubelet.service", "/usr/lib/systemd/system/kubelet.service")
    assert su.resolve_specifiers("%n %N %p %i %t %y %%", specs) == (
        "kubelet.service kubelet kubelet  /run /usr/lib/systemd/system/kubelet.service %",
        [],
    )
    assert su.resolve_specifiers("--hostname-override=%H", specs) == ("--hostname-override=%H", ["%H"])
    with pytest.raises(su.UnitSyntaxError, match="unknown specifier %z"):
        su.resolve_specifiers("--bad=%z", specs, "f: line 3: ")


def test_environment_line_problems_follow_systemd() -> None:
    unit = su.parse_unit('[Service]\nEnvironment="A=1" --oops "B=\\q" "C=3"\n', "d.conf")
    warnings: list[str] = []
    assert [a.name for a in su.parse_environment(unit.lines[1], "d.conf", None, warnings)] == ["A"]
    assert warnings == [
        "d.conf: line 2: Environment=: expected NAME=value, got '--oops'; systemd ignores it",
        'd.conf: line 2: Environment=: unknown escape \\q in: "A=1" --oops "B=\\q" "C=3"; '
        "systemd ignores the rest of the line (Invalid syntax)",
    ]


def test_exec_semicolons() -> None:
    unit = su.parse_unit("[Service]\nExecStart=/bin/k --a \\; --b ;\nExecStart=/bin/k ; /bin/true\n", "d.conf")
    command = su.parse_exec(unit.lines[1], "d.conf")
    assert command is not None
    assert [w.value for w in command.words] == ["/bin/k", "--a", ";", "--b"]
    with pytest.raises(su.UnitSyntaxError, match="several commands separated by ';'"):
        su.parse_exec(unit.lines[2], "d.conf")


def test_word_spans_point_into_the_text() -> None:
    text = 'Environment="A=1"  B=2'
    words = su.split_words(text)
    assert [text[w.start : w.end] for w in words] == ['Environment="A=1"', "B=2"]


@pytest.mark.parametrize("value", ["plain", 'with "quotes"', "back\\slash", "50%", "a b"])
def test_quote_word_round_trips(value: str) -> None:
    quoted = su.quote_word(value)
    (word,) = su.split_words(quoted)
    assert su.unescape_specifiers(word.value) == value


@pytest.mark.parametrize(
    "name", ["10-kubeadm-deb.conf", "10-kubeadm-rpm.conf", "10-kubeadm-pre111.conf", "hand-edited.conf"]
)
def test_parse_and_render_is_byte_identical(name: str) -> None:
    text = (FIXTURES / name).read_text()
    unit = su.parse_unit(text, name)
    assert unit.render() == text


def test_hand_edited_dropin_lines() -> None:
    unit = su.parse_unit((FIXTURES / "hand-edited.conf").read_text(), "h.conf")
    env_lines = unit.assignments("Environment")
    first = su.parse_environment(env_lines[0], "h.conf")
    assert [(a.name, a.value) for a in first] == [
        ("KUBELET_KUBECONFIG_ARGS", "--kubeconfig=/etc/kubernetes/kubelet.conf"),
        ("KUBELET_CGROUP_ARGS", "--cgroup-driver=cgroupfs"),
    ]
    continued = su.parse_environment(env_lines[1], "h.conf")
    assert continued[0].value == "--node-labels=zone=a      --fail-swap-on=false"
    execs = unit.assignments("ExecStart")
    assert su.parse_exec(execs[0], "h.conf") is None  # the reset
    command = su.parse_exec(execs[1], "h.conf")
    assert command is not None
    assert [w.value for w in command.words][:3] == [
        "/usr/bin/kubelet",
        "$KUBELET_KUBECONFIG_ARGS",
        "$KUBELET_CGROUP_ARGS",
    ]
    assert execs[1].lineno == 9
    assert unit.assignments("Restart")[0].lineno == 14


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[Service\nExecStart=/bin/true\n", "line 1: malformed section header"),
        ("ExecStart=/bin/true\n", "line 1: assignment outside of any"),
        ("[Service]\njust words\n", "line 2: expected Key=value"),
        ("[Service]\nBad Key=1\n", "line 2: invalid key"),
    ],
)
def test_parse_unit_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(su.UnitSyntaxError, match=message):
        su.parse_unit(text, "/x/10-kubeadm.conf")


def test_environment_errors() -> None:
    unit = su.parse_unit('[Service]\nEnvironment="A=1" --flag\n', "d.conf")
    with pytest.raises(su.UnitSyntaxError, match="line 2: Environment=: expected NAME=value, got '--flag'"):
        su.parse_environment(unit.lines[1], "d.conf")


def test_exec_prefixes_and_variables() -> None:
    unit = su.parse_unit("[Service]\nExecStart=-@/usr/bin/kubelet $A ${B} x${C}y\n", "d.conf")
    command = su.parse_exec(unit.lines[1], "d.conf")
    assert command is not None
    assert command.prefix == "-@"
    assert [su.variable_of(w.value) for w in command.words[1:]] == [("A", True), ("B", False), None]
    assert su.references("x${C}y") == ["C"]


def test_comment_ending_in_backslash_does_not_continue() -> None:
    text = "[Service]\n# a comment \\\nExecStart=/bin/true\n"
    unit = su.parse_unit(text, "d.conf")
    assert unit.assignments("ExecStart")[0].lineno == 3


def test_env_file_forms() -> None:
    text = '# comment\nA="--x=1 --y=2"\nB=\'--z="q"\'\nC=--plain\\ word\nD="multi \\\nline"\nexport E=e\nA=--last\n'
    env = su.parse_env_file(text, "/etc/default/kubelet")
    values = {k: v.value for k, v in env.values().items()}
    # systemd 252 has no "export": the name would be "export E", which is ignored
    assert values == {"A": "--last", "B": '--z="q"', "C": "--plain word", "D": "multi line"}
    assert env.warnings == [
        "/etc/default/kubelet: line 7: 'export E' is not a valid variable name; systemd ignores this assignment"
    ]
    assert env.render() == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('KUBELET_EXTRA_ARGS="--x=1\n', {"KUBELET_EXTRA_ARGS": "--x=1\n"}),  # runs to the end of the file
        ("no equals sign\nA=1\n", {"A": "1"}),
        ("1A=x\n", {}),
        ('A="x" trailing\n', {"A": "xtrailing"}),
        ('A=half"quoted\n', {"A": 'half"quoted'}),
        ("# c \\\nA=1\nB=2\n", {"B": "2"}),  # a comment ending in a backslash goes on
    ],
)
def test_env_file_like_systemd(text: str, expected: dict[str, str]) -> None:
    env = su.parse_env_file(text, "/etc/default/kubelet")
    assert {k: v.value for k, v in env.values().items()} == expected
    assert env.render() == text


@pytest.mark.parametrize(
    ("value", "quote", "expected"),
    [
        ("--a=1 --b=2", '"', 'K="--a=1 --b=2"\n'),
        ("--a=1", "", "K=--a=1\n"),
        ("--a=1 --b", "", 'K="--a=1 --b"\n'),
        ("--a=1", "'", "K='--a=1'\n"),
        ("", '"', 'K=""\n'),
        ('x"$', '"', 'K="x\\"\\$"\n'),
    ],
)
def test_render_env_file_line(value: str, quote: str, expected: str) -> None:
    line = su.render_env_file_line("K", value, quote)
    assert line == expected
    assert su.parse_env_file(line, "f").values()["K"].value == value
