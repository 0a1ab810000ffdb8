"""Run an MCP server so that it dies with the kernel: `python -I mcp_guard.py KERNEL_PID COMMAND ARGS...`.

On Linux, asks for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, which survives exec), then
replaces itself with the server: same pid, same pipes, same process group. The kernel cannot do this
itself, since the MCP SDK's stdio_client takes no preexec function. A kernel killed with SIGKILL runs
no atexit handler; this is what still ends its servers. Standard library only: it runs before anything.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
CANNOT_RUN = 127  # the shell's exit code for a command it cannot run; the message goes to stderr


def main(argv: list[str]) -> None:
    kernel, command, args = int(argv[1]), argv[2], argv[2:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != kernel:  # the kernel died before prctl took effect
        os._exit(1)
    try:
        os.execvp(command, args)
    except OSError as error:
        print(f"cannot run `{command}`: {error.strerror}", file=sys.stderr, flush=True)
        os._exit(CANNOT_RUN)


if __name__ == "__main__":
    main(sys.argv)
