"""Run one contributed shell command, verbatim, isolated, against the local mocks of the providers' APIs.

`run_command(command, env=..., provider=..., mock_state=...)` runs `<shell> -c <command>` and
returns a `RunResult`.  Contributed commands are untrusted, so by default they run isolated
(Linux namespaces through bubblewrap, as root):

- network: a network namespace of their own, whose loopback holds only the mock network's
  listeners (errorkb.verify.mock_network); no other host, local service or DNS resolver exists;
- processes: a PID namespace (nothing outlives the command; the checker cannot be seen or
  signalled), a new session (no terminal to inject into), an unprivileged user of its own
  (uid POOL_UID_BASE + n) with no capabilities and no_new_privs;
- files: the system read-only, a private empty HOME (/home/sandbox) and /tmp, and the real
  HOME, /root, /home, /run and the checkout hidden (the Python install and its venv stay
  readable, for commands that run python3);
- limits: memory (RLIMIT_DATA), processes, file size, open files, CPU time, wall time, and the
  output kept (OUTPUT_LIMIT per stream; past it the command is stopped).

After the command ends, the processes it left running are listed (they are then killed with the
namespace).  `RunResult.escapes` names every attempt to leave the sandbox that the run showed:
processes left behind, too much output, writes to the read-only system, denied access, other
signals, memory exhaustion, and network access beyond the mocks.

Where namespaces cannot be used (not root, no bwrap), `isolation_problem()` says why and
`run_command` raises SandboxUnavailable, unless called with isolate=False (errorkb check
--unsafe-no-sandbox), which runs the command in its own process group only.
"""

from __future__ import annotations

import ctypes
import dataclasses
import fcntl
import functools
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import mocks
from .mock_network import MockNetwork

MEMORY_LIMIT = 1 << 30          # bytes of data (heap and private writable mappings) per process
PROCESS_LIMIT = 128             # processes of the command's user at once
FILE_SIZE_LIMIT = 64 << 20      # bytes per file written
OPEN_FILES_LIMIT = 256
TMPFS_SIZE = 256 << 20          # bytes in the sandbox's /tmp
OUTPUT_LIMIT = 4 << 20          # bytes of stdout and of stderr kept; past it the command is stopped
POOL_UID_BASE = 200_000         # the command runs as POOL_UID_BASE + a slot free in this process
HOME_INSIDE = "/home/sandbox"
FILES_INSIDE = "/run/errorkb"   # the command text, its environment, curl's configuration, the CA


class SandboxUnavailable(Exception):
    """Contributed commands cannot be isolated on this machine; the message says why."""


@dataclasses.dataclass
class RunResult:
    exit_status: int  # the shell's exit status; 128+N if killed by signal N; -1 on timeout
    stdout: str
    stderr: str
    requests: list  # request records appended by the mocks, all providers, in arrival order
    unmocked_hosts: list[str]  # sorted, unique hosts no mock serves: "host" (https), "http://host" (plain)
    timed_out: bool
    duration: float  # seconds, whole run including server start and stop
    mock_errors: list[str] = dataclasses.field(default_factory=list)  # tracebacks raised by mock apps
    leftover: list[str] = dataclasses.field(default_factory=list)  # names of processes alive when it ended
    output_cut: list[str] = dataclasses.field(default_factory=list)  # "stdout" / "stderr" past OUTPUT_LIMIT
    escapes: list[str] = dataclasses.field(default_factory=list)  # attempts to leave the sandbox, named
    ended_shell: bool = False  # pasted, it ended the reader's shell before the end of the paste


# ---------------------------------------------------------------------------------------------
# Can commands be isolated here?

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _tools() -> dict[str, str | None]:
    return {name: shutil.which(name) for name in ("bwrap", "setpriv", "prlimit", "env")}


@functools.lru_cache(maxsize=None)
def isolation_problem() -> str | None:
    """Why contributed commands cannot be isolated on this machine, or None when they can."""
    if sys.platform != "linux":
        return "the sandbox needs Linux namespaces"
    if os.geteuid() != 0:
        return "the sandbox needs root to create namespaces and switch to an unprivileged user (run as root)"
    missing = [name for name, path in _tools().items() if path is None]
    if missing:
        return f"the sandbox needs {', '.join(missing)} (apt-get install bubblewrap util-linux)"
    outcome: dict = {}

    def probe():
        outcome["status"] = _libc.unshare(_CLONE_NEWNET)
        outcome["errno"] = ctypes.get_errno()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    if outcome["status"] != 0:
        return f"cannot create a network namespace: {os.strerror(outcome['errno'])}"
    return None


# ---------------------------------------------------------------------------------------------
# Users, limits, the filesystem view


_uid_lock = threading.Lock()
_uids_in_use: set[int] = set()


def _take_uid() -> int:
    with _uid_lock:
        base = POOL_UID_BASE + (os.getpid() % 1000) * 100   # other errorkb processes take other ranges
        uid = next(base + slot for slot in range(100) if base + slot not in _uids_in_use)
        _uids_in_use.add(uid)
        return uid


def _give_back_uid(uid: int) -> None:
    with _uid_lock:
        _uids_in_use.discard(uid)


def _interpreter_paths() -> list[str]:
    """The Python install and the venv, so that python3 works inside (read-only)."""
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    return sorted(path for path in paths if path not in ("/", "/usr"))


def _hidden_paths() -> list[str]:
    """Folders whose content the command must not see: homes, runtime folders, the checkout."""
    candidates = ["/root", "/home", "/run", "/var/tmp", "/mnt", "/media", "/srv", str(Path.home()), os.getcwd()]
    system = {"/", "/usr", "/etc", "/bin", "/lib", "/lib64", "/sbin", "/opt", "/var", "/tmp"}
    hidden = []
    for path in candidates:
        path = os.path.realpath(path)
        if path not in system and os.path.isdir(path) and path not in hidden:
            hidden.append(path)
    return sorted(hidden, key=len)   # parents first, so that a child's tmpfs lies on its parent's


def _below(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip("/") + "/")


def _bwrap_arguments(home: str, files: str, report_fd: int) -> list[str]:
    args = [_tools()["bwrap"], "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--size", str(TMPFS_SIZE), "--perms", "1777", "--tmpfs", "/tmp"]
    for path in _hidden_paths():
        args += ["--tmpfs", path]
    hidden = _hidden_paths()
    for path in _interpreter_paths():
        for parent in reversed(Path(path).parents):   # folders bwrap makes on a tmpfs: traversable by the user
            if any(_below(str(parent), folder) for folder in hidden):
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    args += ["--bind", home, HOME_INSIDE, "--ro-bind", files, FILES_INSIDE,
             "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
             "--chdir", HOME_INSIDE, "--", "/bin/bash", "--noprofile", "--norc", "-c",
             _launcher(report_fd)]
    return args


def _launcher(report_fd: int) -> str:
    """The script bwrap starts as root inside the namespaces: it runs the command as the pool user, under the
    limits, with exactly the scenario's environment, then reports the processes still alive."""
    tools = _tools()
    return f"""
uid=$(cat {FILES_INSIDE}/uid)
mapfile -d '' -t vars < {FILES_INSIDE}/env
mapfile -d '' -t argv < {FILES_INSIDE}/argv
{tools['prlimit']} --data={MEMORY_LIMIT} --nproc={PROCESS_LIMIT} --fsize={FILE_SIZE_LIMIT} \\
  --nofile={OPEN_FILES_LIMIT} --core=0 --cpu="$(cat {FILES_INSIDE}/cpu)" -- \\
  {tools['setpriv']} --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --bounding-set=-all \\
  --no-new-privs -- {tools['env']} -i "${{vars[@]}}" "${{argv[@]}}" < {FILES_INSIDE}/stdin {report_fd}>&-
status=$?
for p in /proc/[0-9]*; do
  pid=${{p#/proc/}}
  if [ "$pid" != 1 ] && [ "$pid" != $$ ] && read -r name < "$p/comm" 2>/dev/null; then
    printf '%s\\n' "$name" >&{report_fd}
  fi
done
exit $status
"""


def _loopback_up() -> None:
    """Bring up `lo` in the calling thread's (new) network namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, bytes(14))
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, 0x8913, request))[1]     # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, bytes(14)))  # SIOCSIFFLAGS, IFF_UP


# ---------------------------------------------------------------------------------------------
# Running and watching


@dataclasses.dataclass
class _Output:
    data: bytearray = dataclasses.field(default_factory=bytearray)
    cut: bool = False


def _read_capped(pipe, output: _Output, stop) -> None:
    """Keep at most OUTPUT_LIMIT bytes; past it, stop the command and drain the rest."""
    while True:
        chunk = pipe.read1(65536)
        if not chunk:
            return
        if len(output.data) < OUTPUT_LIMIT:
            output.data += chunk[:OUTPUT_LIMIT - len(output.data)]
        if len(output.data) >= OUTPUT_LIMIT and not output.cut and len(chunk) > 0:
            output.cut = True
            stop()


def _watch(proc: subprocess.Popen, stop, timeout: float) -> tuple[int, bytes, bytes, bool, list[str]]:
    """Wait for `proc`, reading its output; stop it at the timeout.  (status, stdout, stderr, timed_out, cut)."""
    outputs = {"stdout": _Output(), "stderr": _Output()}
    readers = [threading.Thread(target=_read_capped, args=(getattr(proc, name), outputs[name], stop), daemon=True)
               for name in ("stdout", "stderr")]
    for reader in readers:
        reader.start()
    fired = threading.Event()

    def on_timeout():
        fired.set()
        stop()

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    proc.wait()
    timer.cancel()
    for reader in readers:
        reader.join(timeout=2)
    cut = [name for name, output in outputs.items() if output.cut]
    stdout, stderr = bytes(outputs["stdout"].data), bytes(outputs["stderr"].data)
    if fired.is_set():
        return -1, stdout, stderr, True, cut
    status = proc.returncode
    return (128 - status if status < 0 else status), stdout, stderr, False, cut


def _run_isolated(shell_run: ShellRun, env: dict, network: MockNetwork, timeout: float):
    """The command in its namespaces; (status, stdout, stderr, timed_out, cut, leftover)."""
    uid = _take_uid()
    home = tempfile.mkdtemp(prefix="errorkb-home-")
    files = tempfile.mkdtemp(prefix="errorkb-files-")
    report_read, report_write = os.pipe()
    started: dict = {}
    ready = threading.Event()

    def launch():   # in a thread of its own: the network namespace it enters is this thread's alone
        try:
            if _libc.unshare(_CLONE_NEWNET) != 0:
                raise SandboxUnavailable(f"cannot create a network namespace: {os.strerror(ctypes.get_errno())}")
            _loopback_up()
            network.start()
            variables = {**env, **network.client_files(files, FILES_INSIDE), "HOME": HOME_INSIDE}
            for name, value in (("stdin", shell_run.stdin), ("uid", str(uid)), ("cpu", str(int(timeout) + 2))):
                Path(files, name).write_text(value, encoding="utf-8")
            Path(files, "env").write_bytes(_nul_list(f"{key}={value}" for key, value in variables.items()))
            Path(files, "argv").write_bytes(_nul_list(shell_run.argv))
            os.chmod(files, 0o755)
            shell_run.write_home(home)
            for path in [home, *(str(p) for p in Path(home).rglob("*"))]:
                os.chown(path, uid, uid)
            started["proc"] = subprocess.Popen(_bwrap_arguments(home, files, report_write), stdin=subprocess.DEVNULL,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                               pass_fds=(report_write,))
        except BaseException as error:   # reported by the caller's thread
            started["error"] = error
        finally:
            ready.set()
        if "proc" in started:
            started["proc"].wait()   # bwrap dies with this thread (--die-with-parent watches the parent thread)

    thread = threading.Thread(target=launch, daemon=True)
    thread.start()
    try:
        ready.wait()
        os.close(report_write)
        if "error" in started:
            raise started["error"]
        proc = started["proc"]

        def stop():
            try:
                proc.kill()   # bwrap, and with it the PID namespace and everything in it
            except ProcessLookupError:
                pass

        status, stdout, stderr, timed_out, cut = _watch(proc, stop, timeout)
        thread.join(timeout=5)
        with os.fdopen(report_read, "rb") as report:
            report_read = -1
            leftover = sorted(set(report.read(65536).decode("utf-8", "replace").split()))
        return status, stdout, stderr, timed_out, cut, leftover
    finally:
        if report_read >= 0:
            os.close(report_read)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)
        _give_back_uid(uid)


def _run_unisolated(shell_run: ShellRun, env: dict, network: MockNetwork, timeout: float):
    """--unsafe-no-sandbox: only a process group and a throwaway HOME."""
    home = tempfile.mkdtemp(prefix="errorkb-home-")
    files = tempfile.mkdtemp(prefix="errorkb-files-")
    try:
        network.start()
        variables = {**env, **network.client_files(files, files), "HOME": home}
        shell_run.write_home(home)
        Path(files, "stdin").write_text(shell_run.stdin, encoding="utf-8")
        with open(Path(files, "stdin"), "rb") as stdin:
            proc = subprocess.Popen(shell_run.argv, cwd=home, env=variables, stdin=stdin, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)

        def stop():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        status, stdout, stderr, timed_out, cut = _watch(proc, stop, timeout)
        stop()   # what the command left behind in its group
        return status, stdout, stderr, timed_out, cut, []
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# How the shell reads the command: as a script (-c) or as a paste


SHELLS = ("bash", "zsh")
PASTE_END = "__errorkb_paste_end__"
# A reader's usual rc: no prompt (its text would mix with the output), the aliases distributions ship.
_ALIASES = "alias rm='rm -i' cp='cp -i' mv='mv -i' ls='ls --color=auto' grep='grep --color=auto'\n"
_RC_FILES = {
    "bash": {".bashrc": "PS1=''\nPS2=''\n" + _ALIASES},
    "zsh": {".zshrc": "PROMPT=''\nPS2=''\nRPROMPT=''\nunsetopt PROMPT_SP PROMPT_CR\n" + _ALIASES},
}
# What an interactive shell without a terminal prints on its own: not the command's output.
_SHELL_NOISE = re.compile(r"^(bash: cannot set terminal process group \(-?\d+\): Inappropriate ioctl for device"
                          r"|bash: no job control in this shell|exit)\n", re.MULTILINE)


@dataclasses.dataclass
class ShellRun:
    """How a shell runs a command.  As a paste, the text is read on standard input by an interactive shell
    (bash --noediting -i, zsh -i +Z, reading only the rc files above), as a terminal would pass it: history
    expansion of `!`, aliases, zsh's nomatch and `exit` act as they do for a reader; a last line reports the
    status, and its absence shows that the command ended the shell before the end of the paste."""

    command: str
    shell: str
    paste: bool
    files: dict = dataclasses.field(default_factory=dict)   # written into HOME first: path -> text

    def __post_init__(self):
        if self.shell not in SHELLS:
            raise ValueError(f"unknown shell {self.shell!r}; known: {', '.join(SHELLS)}")

    @property
    def argv(self) -> list[str]:
        program = shutil.which(self.shell) or self.shell
        if not self.paste:
            return [program, "-c", self.command]
        return [program, "--noprofile", "--noediting", "-i"] if self.shell == "bash" else [program, "-d", "-i", "+Z"]

    @property
    def stdin(self) -> str:
        if not self.paste:
            return ""
        return f"{self.command.rstrip(chr(10))}\nprintf '\\n{PASTE_END} %s\\n' \"$?\"\n"

    def write_home(self, home: str) -> None:
        """The scenario's files, then (for a paste) the shell's rc files, into the empty HOME."""
        root = Path(home).resolve()
        for name, text in self.files.items():
            target = (root / name).resolve()
            if root not in target.parents:
                raise ValueError(f"scenario file {name!r} lies outside HOME")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if self.paste:   # the reader's rc: ours first, then what the scenario put there
            for name, text in _RC_FILES[self.shell].items():
                path = Path(home, name)
                path.write_text(text + (path.read_text(encoding="utf-8") if path.exists() else ""), encoding="utf-8")

    def read_paste(self, stdout: str, stderr: str) -> tuple[str, str, int | None]:
        """The command's own output and its status (None: the shell ended before the end of the paste)."""
        match = re.search(f"\n{PASTE_END} (\\d+)\n$", stdout)
        if match:
            stdout = stdout[:match.start()]
        return stdout, _SHELL_NOISE.sub("", stderr), int(match.group(1)) if match else None


def _nul_list(items) -> bytes:
    return b"".join(item.encode() + b"\0" for item in items)


def _default_path() -> str:
    venv_bin = os.path.dirname(os.path.abspath(sys.executable))
    return ":".join(dict.fromkeys([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]))


def run_command(command: str, *, env: dict[str, str], provider: str, mock_state: dict, timeout: float = 10.0,
                providers=None, shell: str = "bash", paste: bool = False, files: dict | None = None,
                isolate: bool = True) -> RunResult:
    """Run `command` against the provider mocks with `shell` (bash or zsh), as `<shell> -c command`, or with
    paste=True as a paste: fed on standard input to an interactive shell (see ShellRun); see the module
    docstring for the rest.

    env: the scenario's variables (the only ones the command sees besides the sandbox's own).
    provider: the provider whose mock gets mock_state. providers: a module-like object with
    PROVIDERS, provider_for_host and make_app (default: errorkb.verify.mocks).  files: written into the
    empty HOME first (path relative to HOME -> text), a tool's configuration for one.
    Raises SandboxUnavailable when isolate is true and commands cannot be isolated here.
    """
    started = time.perf_counter()
    if isolate and isolation_problem():
        raise SandboxUnavailable(isolation_problem())
    shell_run = ShellRun(command, shell, paste, dict(files or {}))
    network = MockNetwork(providers or mocks, provider, mock_state or {})
    variables = {str(key): str(value) for key, value in (env or {}).items()}
    variables.update({"PATH": _default_path(), "LANG": "C.UTF-8"})
    try:
        runner = _run_isolated if isolate else _run_unisolated
        status, stdout, stderr, timed_out, cut, leftover = runner(shell_run, variables, network, timeout)
    finally:
        network.close()
    stdout_text, stderr_text = stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace")
    ended_early = False
    if paste and not timed_out:
        stdout_text, stderr_text, pasted_status = shell_run.read_paste(stdout_text, stderr_text)
        ended_early = pasted_status is None
        status = status if pasted_status is None else pasted_status
    result = RunResult(
        exit_status=status, stdout=stdout_text, stderr=stderr_text, requests=network.log,
        unmocked_hosts=network.unmocked, timed_out=timed_out, duration=time.perf_counter() - started,
        mock_errors=network.mock_errors, leftover=leftover, output_cut=cut, ended_shell=ended_early)
    result.escapes = escape_attempts(result)
    return result


# ---------------------------------------------------------------------------------------------
# What a run shows of attempts to leave the sandbox

_SCANNED = 65536   # characters at the end of each stream looked at for signs of attempts
_SIGNS = [
    (re.compile(r"([^\s:]{1,300}): Read-only file system"), "tried to write outside HOME and /tmp: {0} (the system is read-only)"),
    (re.compile(r"'?([^\s':]{1,300})'?: Permission denied"),
     "was denied access to {0}"),
    (re.compile(r"kill: \(?(\d+)\)? - Operation not permitted"), "tried to signal process {0}, which is outside its "
                                                                  "reach"),
    # Only what a process prints when its own allocation fails (a Python traceback's last line, a shell's or
    # libc's message at the start of a line), not an error message about memory that a command shows, such as
    # Ollama's "CUDA error: out of memory".
    (re.compile(r"^MemoryError\b|^(?:[\w./-]{1,100}: ){0,3}(?:fatal error: )?(?:out of memory|Cannot allocate memory"
                r"|xmalloc: .{0,200}cannot allocate)|std::bad_alloc", re.MULTILINE),
     f"ran out of its memory limit ({MEMORY_LIMIT >> 20} MiB of data per process)"),
    (re.compile(r"Could not resolve host: (\S{1,300})|Temporary failure in name resolution|Name or service not known"),
     "tried to resolve a host name ({0}): no DNS server is reachable, only the mocks"),
    (re.compile(r"Network is unreachable|Failed to connect to ((?!127\.)\d+\.\d+\.\d+\.\d+) port"),
     "tried to reach the network outside the mocks ({0})"),
]


def escape_attempts(result: RunResult) -> list[str]:
    """Each attempt to leave the sandbox that `result` shows, named for the contributor."""
    found = []
    for name in result.leftover:
        found.append(f"left a process running after it ended: {name} (killed with the sandbox)")
    for stream in result.output_cut:
        found.append(f"printed more than {OUTPUT_LIMIT >> 20} MiB on {stream}: the command was stopped and the rest "
                     "dropped")
    tail = result.stderr[-_SCANNED:] + "\n" + result.stdout[-_SCANNED:]
    for pattern, message in _SIGNS:
        for match in pattern.finditer(tail):
            text = message.format(next((group for group in match.groups() if group), "any host"))
            if text not in found:
                found.append(text)
    return found
