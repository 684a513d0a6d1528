"""Demo mode: ``mockserver serve --demo true`` fills a namespace with a story to show.

Once the server answers, the story is played against it over HTTP, as a client would: every
record it leaves is made by the real APIs (so the journal shows how), and the dashboard at
``/__admin/`` has something in every state to show. Per provider:

- UK Open Banking: an authorised account access consent whose accounts and transactions were
  read, a rejected one, one waiting for the PSU (approve it from the dashboard); a VRP consent
  with two payments, signed by a TPP the story registers;
- Fena: an authorised account access consent, a VRP consent with an executed and a rejected
  payment (the magic amount 6.66);
- Moneyhub: a user with a connection to the mock bank and a completed payment;
- MogoPlus: a finished insights report and a failed one (the reference ``FAIL-PROCESSING``).

A namespace that already has consents, payments or reports is left alone, so a restart on a
file or PostgreSQL database does not play the story twice.
"""

from mockserver.demo.runner import play, play_when_ready

__all__ = ["play", "play_when_ready"]
