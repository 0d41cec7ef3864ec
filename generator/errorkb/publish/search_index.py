"""Index the site for search with Pagefind while MkDocs builds it.

`SearchIndexer` runs Pagefind's indexing service (`pagefind --service`, the binary that the
`pagefind[bin]` package installs).  The MkDocs plugin queues each page's HTML as soon as the page
is written; a thread of its own sends the pages to the service one at a time, in the order of the
build (so two builds make the same index), while the build goes on: indexing runs on the other
core, and no page is read back from disk.  At most MAX_QUEUED pages wait, so a slow indexer slows
the build instead of holding every page in memory.  `finish` gets the index files from the
service and writes them into site_dir/pagefind/; `close` stops the service without writing (a failed build).

Only each page's <article> is indexed (headers, navigation and footers are not), without the
headings' permanent-link marks; error pages mark what is not worth searching with
data-pagefind-ignore (see publish.html).

The service speaks the protocol of Pagefind's own Python client (pagefind.service): each
message is base64-encoded JSON followed by a comma, answered in kind with the same message_id.
That client waits 0.1 s before reading each answer (ten pages a second), far too slow for
thousands of pages, so errorkb talks to the service directly.
"""

from __future__ import annotations

import base64
import json
import queue
import subprocess
import tempfile
import threading
from pathlib import Path, PurePosixPath

from pagefind.service import get_executable

MAX_QUEUED = 64


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message says why."""


class SearchIndexer:
    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()
        self.index_id: int | None = None
        self.output_path = ""
        self.message_id = 0
        self.pages: queue.Queue = queue.Queue(maxsize=MAX_QUEUED)
        self.sender: threading.Thread | None = None
        self.failure: str | None = None
        self.unread = b""

    def start(self, site_dir: Path) -> None:
        binary = get_executable()
        if binary is None:
            raise SearchIndexError("the Pagefind binary was not found (pip install 'pagefind[bin]')")
        try:
            self.process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.log)
        except OSError as error:
            raise SearchIndexError(f"Pagefind could not start: {error}") from None
        self.output_path = str(site_dir / "pagefind")
        config = {"root_selector": "article", "exclude_selectors": [".headerlink"]}
        self.index_id = self._ask({"type": "NewIndex", "config": config})["index_id"]
        self.sender = threading.Thread(target=self._send_pages, name="errorkb-pagefind", daemon=True)
        self.sender.start()

    def add(self, html: str, url: str) -> None:
        """Queue one page, published at site-relative `url` (openai/rate-limit/), for the index."""
        if self.failure is None:
            self.pages.put((html, "/" + url.lstrip("/")))

    def finish(self) -> None:
        """Wait for every queued page, write the index to site_dir/pagefind/ and stop the service."""
        try:
            self.pages.put(None)
            if self.sender is not None:
                self.sender.join()
                self.sender = None
            if self.failure is not None:
                raise SearchIndexError(f"Pagefind failed to index the site: {self.failure}")
            # GetFiles, not WriteFiles: the service writes files without flushing them and can exit before they
            # reach the disk (an empty pagefind-component-ui.css was seen), so errorkb writes them itself.
            files = self._ask({"type": "GetFiles", "index_id": self.index_id}).get("files") or []
            self._write_files(files)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the service (whatever it has not written is lost) and the sending thread."""
        if self.sender is not None:
            self.failure = self.failure or "stopped"
            while True:   # make room for the end mark, then let the thread end
                try:
                    self.pages.put_nowait(None)
                    break
                except queue.Full:
                    try:
                        self.pages.get_nowait()
                    except queue.Empty:
                        pass
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if self.process.poll() is None:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.sender is not None:
            self.sender.join(10)
            self.sender = None
        self.log.close()

    def _write_files(self, files: list[dict]) -> None:
        """Write the bundle the service returned (paths relative to the bundle folder) into site_dir/pagefind/."""
        root = Path(self.output_path)
        for file in files:
            relative = PurePosixPath(str(file.get("path", "")))
            if relative.is_absolute() or not relative.parts or ".." in relative.parts:
                raise SearchIndexError(f"Pagefind returned a file outside its folder: {relative}")
            target = root.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(file.get("content", "")))

    def _send_pages(self) -> None:
        while True:
            page = self.pages.get()
            if page is None:
                return
            if self.failure is not None:
                continue
            html, url = page
            try:
                self._ask({"type": "AddFile", "index_id": self.index_id, "url": url, "file_path": None,
                           "file_contents": html})
            except (SearchIndexError, OSError, ValueError) as error:
                self.failure = f"{url}: {error}"

    def _ask(self, payload: dict) -> dict:
        """Send one message and return the service's answer to it."""
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        self.message_id += 1
        message = base64.b64encode(json.dumps({"message_id": self.message_id, "payload": payload}).encode("utf-8"))
        try:
            self.process.stdin.write(message + b",")
            self.process.stdin.flush()
            while True:
                chunks = [self.unread]
                while b"," not in chunks[-1]:   # only the new chunk is searched: answers can be megabytes
                    chunk = self.process.stdout.read1(1 << 20)
                    if not chunk:
                        raise SearchIndexError(f"Pagefind stopped: {self._log_tail()}")
                    chunks.append(chunk)
                answer, self.unread = b"".join(chunks).split(b",", 1)
                decoded = json.loads(base64.b64decode(answer))
                if isinstance(decoded, dict) and decoded.get("message_id") == self.message_id:
                    break
        except (BrokenPipeError, ValueError, OSError) as error:
            raise SearchIndexError(f"Pagefind stopped ({error}): {self._log_tail()}") from None
        answer_payload = decoded.get("payload") or {}
        if answer_payload.get("type") == "Error":
            raise SearchIndexError(str(answer_payload.get("message")))
        return answer_payload

    def _log_tail(self) -> str:
        try:
            self.log.seek(0)
            return self.log.read()[-2000:].decode("utf-8", "replace").strip() or "no message"
        except (OSError, ValueError):
            return "no message"
