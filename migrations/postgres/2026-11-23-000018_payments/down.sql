DROP INDEX payment_instruments_gift_card_idx;
ALTER TABLE payment_instruments DROP COLUMN gift_card_id;
ALTER TABLE payment_instruments DROP COLUMN sealed;
ALTER TABLE payment_instruments DROP COLUMN key_id;
DROP TABLE gift_card_entries;
DROP TABLE gift_cards;
