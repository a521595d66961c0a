-- Gift cards: the PIN only as a hash; the balance never below zero and always the sum
-- of the card's ledger entries (written together in one transaction).
CREATE TABLE gift_cards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id text NOT NULL,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    number text NOT NULL,
    pin_hash text NOT NULL,
    currency text NOT NULL,
    initial_amount bigint NOT NULL,
    balance bigint NOT NULL,
    valid_from timestamp,
    valid_until timestamp,
    blocked boolean NOT NULL DEFAULT false,
    pin_failures integer NOT NULL DEFAULT 0,
    locked_until timestamp,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    CONSTRAINT gift_cards_public_id_key UNIQUE (public_id),
    CONSTRAINT gift_cards_number_key UNIQUE (tenant_id, number),
    CONSTRAINT gift_cards_balance_check CHECK (balance >= 0)
);

-- Append-only: every balance change once per idempotency key.
CREATE TABLE gift_card_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gift_card_id bigint NOT NULL REFERENCES gift_cards (id) ON DELETE CASCADE,
    amount bigint NOT NULL,
    balance_after bigint NOT NULL,
    reason text NOT NULL,
    idempotency_key text NOT NULL,
    created_at timestamp NOT NULL,
    CONSTRAINT gift_card_entries_key UNIQUE (gift_card_id, idempotency_key)
);

-- Saved instruments: every parameter sealed (key id + ciphertext), a gift-card
-- instrument points at its card.
ALTER TABLE payment_instruments ADD COLUMN key_id text;
ALTER TABLE payment_instruments ADD COLUMN sealed text;
ALTER TABLE payment_instruments ADD COLUMN gift_card_id bigint REFERENCES gift_cards (id);
CREATE INDEX payment_instruments_gift_card_idx ON payment_instruments (gift_card_id);
