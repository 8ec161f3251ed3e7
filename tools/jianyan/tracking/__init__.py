"""Tracking after dispatch: 批示 and 办理 records, the ledger (台账), quotas and series — calculations only."""
