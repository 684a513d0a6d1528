"""The background worker that sends webhook deliveries: claim what is due, POST it, record it.

Where it runs: a daemon thread with an asyncio loop of its own, started and stopped by the
app's lifespan (``lifespan_receive``). Not a task on the server's loop, because the store is
synchronous: a claim can wait on SQLite's write lock (up to its busy timeout) or on PostgreSQL,
and on the server's loop that wait would stall every request. A loop of its own keeps the
server's requests and the worker's network and database waits apart, and runs the same under
uvicorn, the test client or standalone. Store calls still go through ``asyncio.to_thread`` so
that the worker's loop keeps timing the attempts in flight while the database is slow.

Schedule: a delivery is due at once; an attempt that is not a 2xx is retried after
``min(cap, base * 2 ** (attempt - 1))`` real seconds until ``max_attempts``, then the delivery
is ``failed``. Up to ``CONCURRENCY`` attempts are in flight at a time, so one slow receiver does
not hold up the others. Deliveries committed in this process wake the worker at once; those of
other workers and replicas are found by polling (``poll_interval``).

Once across workers: see ``mockserver.core.webhooks`` (a claim takes a lease in a write
transaction; the result is recorded only by the lease holder).

Stopping: ``stop()`` wakes the loop, cancels the attempts in flight and gives their leases
back (another worker, or the next start, makes them again at once), then joins the thread
with a bound; the thread is a daemon, so a stuck one never holds the process up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from mockserver.core.asgi import Message, Receive
from mockserver.core.webhook_sender import new_client, send
from mockserver.core.webhooks import Claim, Webhooks
from mockserver.settings import Settings

if TYPE_CHECKING:
    from mockserver.core.sandbox import Sandbox

log = logging.getLogger("mockserver.webhooks")

CONCURRENCY = 8
# A lease outlasts the attempt (bounded by the timeout) and the write that records it.
LEASE_MARGIN_SECONDS = 30.0
# A floor on the loop's sleep, against spinning on an entry another worker keeps re-taking.
MIN_SLEEP_SECONDS = 0.01
THREAD_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout: float = 5.0
    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    poll_interval: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            timeout=settings.webhook_timeout,
            max_attempts=settings.webhook_max_attempts,
            backoff_base=settings.webhook_backoff_base,
            backoff_cap=settings.webhook_backoff_cap,
            poll_interval=settings.webhook_poll_interval,
        )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...)."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    @property
    def lease_seconds(self) -> float:
        return self.timeout + LEASE_MARGIN_SECONDS


class WebhookWorker:
    def __init__(
        self,
        webhooks: Webhooks,
        policy: DeliveryPolicy,
        *,
        concurrency: int = CONCURRENCY,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self.webhooks = webhooks
        self.policy = policy
        self.concurrency = concurrency
        self._real_time = real_time
        self.attempts_made = 0  # by this worker (diagnostics and tests)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._ready = threading.Event()
        self._answered: set[str] = set()  # tokens of claims whose attempt got its outcome

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox) -> WebhookWorker:
        return cls(sandbox.webhooks, DeliveryPolicy.from_settings(sandbox.settings))

    # -- lifecycle (any thread) ----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._ready.clear()
        self._thread = threading.Thread(target=self._main, name="webhook-worker", daemon=True)
        self._thread.start()
        self._ready.wait(THREAD_TIMEOUT_SECONDS)  # so that stop() and wake() can reach the loop

    def stop(self, timeout: float = THREAD_TIMEOUT_SECONDS) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self.wake()
        thread.join(timeout)
        if thread.is_alive():  # kept, so that running says so and start() adds no second one
            log.warning("the webhook worker did not stop within %s s", timeout)
        else:
            self._thread = None

    def wake(self) -> None:
        """Look for due deliveries now (called when a delivery commits in this process)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has just closed
            loop.call_soon_threadsafe(wake.set)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- one pass, without the thread (tests drive it with their own time) --------------------
    async def run_once(self) -> list[dict[str, Any] | None]:
        """Claim every due attempt (up to ``concurrency``), make them and record them."""
        claims = await asyncio.to_thread(
            self.webhooks.claim, self._real_time(), self.concurrency, self.policy.lease_seconds
        )
        async with new_client(self.policy.timeout) as client:
            return list(await asyncio.gather(*(self._attempt(client, c) for c in claims)))

    # -- the thread ------------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:  # never let the thread die with a traceback on stderr
            log.exception("the webhook worker stopped on an error")
        finally:
            self._ready.set()

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.webhooks.add_listener(self.wake)
        self._ready.set()
        try:
            async with new_client(self.policy.timeout) as client:
                await self._serve(client)
        finally:
            self.webhooks.remove_listener(self.wake)
            self._loop = self._wake = None

    async def _serve(self, client: httpx.AsyncClient) -> None:
        assert self._wake is not None
        in_flight: dict[asyncio.Task[Any], Claim] = {}
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    delay = await self._pass(client, in_flight)
                except Exception:  # the database may be away for a moment: try again later
                    log.exception("webhook worker pass failed")
                    delay = self.policy.poll_interval
                if delay > 0 and not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
        finally:
            await self._abandon(dict(in_flight))

    async def _abandon(self, in_flight: dict[asyncio.Task[Any], Claim]) -> None:
        """Stopping: cancel the attempts in flight and give back those not sent yet."""
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        for task, claim in in_flight.items():
            # An attempt that got its answer is being recorded (a thread that runs to its end);
            # one that did not is handed back now rather than left leased until the lease ends.
            if task.cancelled() and claim.token not in self._answered:
                try:
                    await asyncio.to_thread(self.webhooks.release, claim, self._real_time())
                except Exception:
                    log.exception("could not release webhook attempt of %s", claim.id)
        self._answered.clear()

    async def _pass(
        self, client: httpx.AsyncClient, in_flight: dict[asyncio.Task[Any], Claim]
    ) -> float:
        """Start what is due and free slots allow; returns how long to sleep."""
        now = self._real_time()
        next_due = await asyncio.to_thread(self.webhooks.next_due)
        free = self.concurrency - len(in_flight)
        if next_due is None or free <= 0:
            return self.policy.poll_interval  # a finishing attempt wakes the loop
        if next_due > now:
            return max(MIN_SLEEP_SECONDS, min(next_due - now, self.policy.poll_interval))
        claims = await asyncio.to_thread(self.webhooks.claim, now, free, self.policy.lease_seconds)
        for claim in claims:
            task = asyncio.create_task(self._attempt(client, claim))
            in_flight[task] = claim
            task.add_done_callback(self._done(in_flight))
        return 0.0 if claims else MIN_SLEEP_SECONDS

    def _done(
        self, in_flight: dict[asyncio.Task[Any], Claim]
    ) -> Callable[[asyncio.Task[Any]], None]:
        def done(task: asyncio.Task[Any]) -> None:
            in_flight.pop(task, None)
            self.wake()  # a slot is free, and the attempt may have scheduled a retry

        return done

    async def _attempt(self, client: httpx.AsyncClient, claim: Claim) -> dict[str, Any] | None:
        outcome = await send(client, claim, self.policy.timeout)
        self._answered.add(claim.token)
        self.attempts_made += 1
        attempt = {
            "attempt": claim.attempt,
            "at": claim.at,
            "status_code": outcome.status_code,
            "latency_ms": outcome.latency_ms,
            "error": outcome.error,
        }
        retry_at: float | None = None
        if outcome.delivered:
            status = "delivered"
        elif claim.attempt >= self.policy.max_attempts:
            status = "failed"
        else:
            status = "pending"
            retry_at = self._real_time() + self.policy.backoff(claim.attempt)
        try:
            delivery = await asyncio.to_thread(
                self.webhooks.finish, claim, attempt, status, retry_at
            )
        except Exception:  # the lease runs out and the attempt is made again
            log.exception("could not record webhook attempt %s of %s", claim.attempt, claim.id)
            delivery = None
        # Not reached when cancelled while recording: _abandon must then leave the claim be.
        self._answered.discard(claim.token)
        return delivery


def lifespan_receive(receive: Receive, sandbox: Sandbox) -> Receive:
    """Wrap an ASGI lifespan's ``receive``: start a worker at startup, stop it at shutdown.

    The worker stops before the app hears of the shutdown, so before the server reports it
    complete and the process exits.
    """
    worker = WebhookWorker.for_sandbox(sandbox)

    async def wrapped() -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            worker.start()
        elif message["type"] == "lifespan.shutdown":
            await asyncio.to_thread(worker.stop)
        return message

    return wrapped
