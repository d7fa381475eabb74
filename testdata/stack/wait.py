# Fixture for package stack: main -> supervise -> reap -> os.waitpid. The
# Python functions run inside the interpreter's own C frames, so the stack at
# the wait4 system call shows libc's waitpid, posixmodule's os_waitpid and
# the interpreter loop (_PyEval_EvalFrameDefault) down to main.
import os
import sys


def reap(pid):
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def supervise():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    return reap(pid)


def main():
    sys.exit(0 if supervise() == 7 else 1)


main()
