#!/usr/bin/env python3
"""Drive a program in a pseudo-terminal, for tests of interactive prompts.

Usage: pty-drive.py STEPS_JSON -- COMMAND ARGS...
STEPS_JSON is a list of steps: {"send": "text"} types the text one key at a time (escape sequences whole),
{"expect": "text", "timeout": seconds} waits until the text appears in the output after the previous expect.
Prints the whole transcript to stdout; exits 0 when every step passed, 1 (with the failing step on stderr) if not,
and waits for the program to end after the last step.
"""
import json, os, pty, re, select, sys, time

def main() -> int:
    steps = json.loads(sys.argv[1])
    argv = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out = b''
    seen = 0

    def read(timeout: float) -> bool:
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
        return True

    status = 0
    for step in steps:
        if 'send' in step:
            for key in re.findall(r'\x1b\[[A-D]|[\s\S]', step['send']):
                os.write(fd, key.encode('latin1'))
                time.sleep(0.02)
                read(0)
        else:
            want = step['expect'].encode('latin1')
            deadline = time.time() + step.get('timeout', 30)
            while want not in out[seen:] and time.time() < deadline:
                if not read(0.05):
                    break
            at = out.find(want, seen)
            if at < 0:
                sys.stderr.write('never saw %r\n' % step['expect'])
                status = 1
                break
            seen = at + len(want)
    deadline = time.time() + 30
    while time.time() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if not read(0.05):
            time.sleep(0.05)
    else:
        os.kill(pid, 9)
        sys.stderr.write('the program did not end\n')
        status = 1
    sys.stdout.write(out.decode('latin1'))
    return status

sys.exit(main())
