DROP TABLE deleted_records;
