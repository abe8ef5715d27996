"""Plain-data views of registry values, shared by the CLI's ``--json`` and the REST API."""

from __future__ import annotations

import json
from typing import Any

from openets.registry.model import (
    Account,
    AccountBalance,
    BatchResult,
    ChainReport,
    JournalEntry,
    Posting,
    Receipt,
    SerialMove,
    Supply,
)


def account_view(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "kind": account.kind.value,
        "owner": account.owner,
        "opened_at": account.opened_at,
    }


def balance_view(balance: AccountBalance) -> dict[str, Any]:
    return {
        "account": balance.account.id,
        "kind": balance.account.kind.value,
        "owner": balance.account.owner,
        "balances": [
            {"instrument": p.instrument, "quantity": p.quantity, "frozen": p.frozen}
            for p in balance.balances
        ],
    }


def posting_view(posting: Posting) -> dict[str, Any]:
    return {
        "account": posting.account,
        "instrument": posting.instrument,
        "amount": posting.amount,
        "frozen": posting.frozen,
        "serial_start": posting.serial_start,
        "serial_end": posting.serial_end,
    }


def entry_view(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind.value,
        "recorded_at": entry.recorded_at,
        "memo": json.loads(entry.memo),
        "key": entry.key,
        "postings": [posting_view(p) for p in entry.postings],
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def receipt_view(receipt: Receipt) -> dict[str, Any]:
    return {**entry_view(receipt.entry), "replayed": receipt.replayed}


def batch_view(result: BatchResult) -> dict[str, Any]:
    return {
        "applied": result.applied,
        "replayed": result.replayed,
        "first_seq": result.first_seq,
        "last_seq": result.last_seq,
    }


def supply_view(supply: Supply) -> dict[str, Any]:
    return {
        "instrument": supply.instrument,
        "issued": supply.issued,
        "retired": supply.retired,
        "cancelled": supply.cancelled,
        "outstanding": supply.outstanding,
    }


def serial_move_view(move: SerialMove) -> dict[str, Any]:
    return {
        "seq": move.seq,
        "kind": move.kind.value,
        "recorded_at": move.recorded_at,
        "from": move.source,
        "to": move.to,
        "serial_start": move.serial_start,
        "serial_end": move.serial_end,
    }


def chain_view(report: ChainReport) -> dict[str, Any]:
    view: dict[str, Any] = {"ok": report.ok, "entries": report.entries}
    if not report.ok:
        view["first_bad_seq"] = report.first_bad_seq
        view["problem"] = report.problem
    return view
