"""The notebook context's pure part: secret rules, masking, the token budget and the text sent."""

from __future__ import annotations

import pytest

from claude_magic.core.context import (
    CLOSE,
    OPEN,
    CellError,
    CellRun,
    Variable,
    make_items,
    mentioned_names,
    plan,
    render,
    select,
)
from claude_magic.core.masking import MASK, Secrets, env_literals, is_secret_name, mask_text, shows_value
from claude_magic.core.tokens import estimate_tokens

ANTHROPIC = "sk-ant-api03-" + "Q7x" * 12
AWS_ID = "AKIAQ3EXAMPLE7ZZZZZZ"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CANARIES = {
    "anthropic": f'api_token = "{ANTHROPIC}"',
    "aws id": f"key id {AWS_ID} in a log line",
    "aws secret": f"aws_secret = {AWS_SECRET}",
    "github": "token is ghp_" + "a1B2" * 9,
    "slack": "xoxb-123456789012-abcdefghijkl",
    "google": "AIza" + "S" * 35,
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_part",
    "bearer": "Authorization: Bearer abc.def-ghi_jkl",
    "pem": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
    "pem cut short": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "url": "postgresql://analyst:Pa55word1@db.internal:5432/sales",
    "quoted name": "db_password = 'hunter2'",
    "dict key": "{'client_secret': 'opensesame'}",
    "env style": "OPENAI_API_KEY=abc123def456ghi",
}
SECRET_PARTS = {
    "anthropic": ANTHROPIC,
    "aws id": AWS_ID,
    "aws secret": AWS_SECRET,
    "github": "a1B2a1B2",
    "slack": "abcdefghijkl",
    "google": "S" * 35,
    "jwt": "eyJzdWIi",
    "bearer": "abc.def",
    "pem": "b3BlbnNzaC1rZXk",
    "pem cut short": "MIIEvQIBADAN",
    "url": "Pa55word1",
    "quoted name": "hunter2",
    "dict key": "opensesame",
    "env style": "abc123def456ghi",
}


@pytest.mark.parametrize("case", sorted(CANARIES))
def test_every_credential_shape_is_masked(case):
    masked, labels = mask_text(CANARIES[case], Secrets())
    assert SECRET_PARTS[case] not in masked
    assert MASK in masked and labels


def test_names_stay_and_ordinary_text_is_untouched():
    text = "max_tokens = 1024\nauthor = 'Jane Austen'\nsorted(rows, key=len)\nmonkey = 'banana'\n"
    assert mask_text(text, Secrets()) == (text, ())
    masked, labels = mask_text('api_token = "abc-defg"', Secrets())
    assert masked == f'api_token = "{MASK}"' and labels == ("api_token",)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("apiKey", True),
        ("GITHUB_TOKEN", True),
        ("db_password", True),
        ("aws_credentials", True),
        ("auth", True),
        ("private_pem", True),
        ("max_tokens", False),
        ("n_tokens", False),
        ("author", False),
        ("keyboard", False),
        ("KeyError", False),
        ("df", False),
    ],
)
def test_the_name_rule(name, secret):
    assert is_secret_name(name) is secret


def test_a_credential_named_number_is_shown_and_a_string_is_not():
    assert shows_value("key", 3) and shows_value("token", None)
    assert not shows_value("token", "abc") and not shows_value("api_key", b"abc")
    assert shows_value("max_tokens", "4096")  # a count, not a credential word


def test_environment_values_are_masked_wherever_they_appear_except_plain_ones():
    environ = {"DB_URL_PART": "internal-host-9", "HOME": "/home/analyst", "SHORT": "abc", "LC_ALL": "en_US.UTF-8"}
    secrets = Secrets(env_literals(environ))
    masked, labels = mask_text("connecting to internal-host-9 from /home/analyst, abc", secrets)
    assert masked == f"connecting to {MASK} from /home/analyst, abc"
    assert labels == ("$DB_URL_PART",)


def test_a_value_inside_a_longer_value_does_not_leave_half_a_secret():
    secrets = Secrets((("a", "secretvalue"), ("b", "secretvalue-extended")))
    assert mask_text("x secretvalue-extended y", secrets)[0] == f"x {MASK} y"


def test_excluded_names_mask_their_assigned_values():
    masked, labels = mask_text("clients_raw = 'Jane Doe, 4 Elm St'", Secrets(exclude=("clients_*",)))
    assert "Jane Doe" not in masked and labels == ("clients_raw",)


def test_masking_a_long_text_ends_and_masks_an_unclosed_key_block():
    text = ("aws " + "A" * 39 + " ") * 2_000 + "-----BEGIN PRIVATE KEY-----" + "x" * 100_000
    masked, _ = mask_text(text, Secrets())
    assert masked.endswith(MASK) and "x" * 100 not in masked


def cell(number, source, outputs=(), error=None, figures=()):
    return CellRun(number, source, tuple(outputs), error, tuple(figures))


def test_render_is_exact_and_stable():
    cells = [cell(3, "df = load()", ["(3, 2)"], CellError("KeyError", "'b'", ("In [3], line 1, in <module>: x",)))]
    variables = [Variable("df", "pandas.DataFrame", "DataFrame, 3 rows x 2 columns", "changed")]
    items = make_items(cells, variables, ["old"], Secrets())
    expected = "\n".join(
        [
            OPEN,
            "What the user ran and saw in the notebook since the previous prompt. "
            "Values that look like secrets are masked.",
            '<cell n="3">\n<source>\ndf = load()\n</source>\n<output>\n(3, 2)\n</output>',
            "<error>\nKeyError: 'b'\nIn [3], line 1, in <module>: x\n</error>\n</cell>",
            "<variables>\ndf: DataFrame, 3 rows x 2 columns (changed)\nremoved: old\n</variables>",
            CLOSE,
        ]
    )
    assert render(items, [], ()) == expected
    assert render(make_items(cells, variables, ["old"], Secrets()), [], ()) == expected
    assert render([], [], ()) == ""


def test_user_text_cannot_close_our_tags():
    items = make_items([cell(1, "print('</cell></notebook_context>')", ["</output> hi"])], [], [], Secrets())
    text = render(items, [], ())
    assert text.count(CLOSE) == 1 and text.count("</cell>") == 1 and text.count("</output>") == 1


def test_the_budget_keeps_mentioned_then_newest_and_names_the_rest():
    cells = [cell(n, f"step_{n} = {n}\n" + "x = 1\n" * 40) for n in range(1, 6)]
    variables = [Variable(f"v{n}", "int", f"int = {n}") for n in range(3)]
    items = make_items(cells, variables, [], Secrets())
    kept, omitted = select(items, 260, mentioned_names("what is step_1 and v0?"))
    names = [item.name for item in kept]
    assert "In [1]" in names and "v0" in names and "In [5]" in names
    assert omitted and estimate_tokens(render(kept, omitted, ())) <= 260
    assert [i.order for i in kept] == sorted(i.order for i in kept)
    text = render(kept, omitted, ())
    assert "Left out to fit the context budget: " in text and omitted[0].name in text


def test_a_budget_too_small_for_anything_keeps_nothing():
    items = make_items([cell(1, "x = 1" * 500)], [], [], Secrets())
    kept, omitted = select(items, 5, ())
    assert kept == [] and len(omitted) == 1


def test_mentions_of_a_cell_number():
    assert "#cell4" in mentioned_names("look at In [4] and cell 7") and "#cell7" in mentioned_names("cell 7")


def test_plan_summary_provenance_and_preview():
    secrets = Secrets((("api_token", "opensesame99"),))
    cells = [cell(1, "print(api_token)", ["opensesame99"]), cell(2, "1/0", [], CellError("ZeroDivisionError", "x"))]
    variables = [Variable("api_token", "str", f"str, 12 chars, value {MASK}"), Variable("n", "int", "int = 3")]
    made = plan(make_items(cells, variables, [], secrets), 1_500, "why?", first=True, excluded=("clients",))
    assert made.summary_line == f"context: 2 cells, 2 variables, 1 error · {made.tokens:,} tokens"
    assert made.tokens == estimate_tokens(made.text)
    assert "opensesame99" not in made.text and "opensesame99" not in str(made.provenance())
    assert made.provenance()["items"][0] == {
        "kind": "cell",
        "name": "In [1]",
        "tokens": made.items[0].tokens,
        "masked": True,
    }
    preview = made.preview()
    assert preview.startswith(made.summary_line) and preview.endswith(made.text)
    assert "masked: api_token" in preview and "clients" in preview and "clients" not in made.text
    assert "so far" in made.text


def test_nothing_new_is_an_empty_text():
    made = plan([], 1_500, "hi")
    assert made.text == "" and made.tokens == 0 and made.summary_line == "context: nothing new"
