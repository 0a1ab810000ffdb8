"""Cell sources the browser tests put in their notebooks, and checks on the saved notebook."""

from __future__ import annotations

from typing import Any

LOAD = "%load_ext claude_magic"


def queue(**reply: Any) -> str:
    """A code cell that queues one ScriptedReply on the kernel's own simulator."""
    args = ", ".join(f"{key}={value!r}" for key, value in reply.items())
    return (
        "import claude_magic\n"
        "from claude_magic.simulator import ScriptedReply\n"
        f"claude_magic.session().connection.simulator.queue(ScriptedReply({args}))"
    )


def paced(tokens_per_second: float, **reply: Any) -> str:
    """A cell that paces the kernel's simulator (before its first use) and queues one reply; shows the pace."""
    return (
        "import os\n"
        f"os.environ['CLAUDE_MAGIC_SIM_TPS'] = '{tokens_per_second}'\n"
        f"{queue(**reply)}\n"
        "claude_magic.session().connection.simulator.tokens_per_second"
    )


def has_settled_panel(nb: Any) -> bool:
    """The saved notebook holds the settled panel's static HTML."""
    return any(
        "claude-reply" in str(output.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )


# A kernel function offered as a tool: it records every call it gets, so a cell can show whether it ran.
PRICE_TOOL = '''CALLS = []

def get_price(sku: str) -> float:
    """The unit price of a product in euros.

    Args:
        sku: The product's stock-keeping unit, e.g. SKU-12.
    """
    CALLS.append(sku)
    return {"SKU-12": 12.5}.get(sku, 0.0)'''
CONFIRMED_PRICE = "%%claude --tools get_price --confirm\nUse get_price for sku=SKU-12."
SHOW_CALLS = "print('calls:', len(CALLS), CALLS)"
