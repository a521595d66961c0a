DROP TABLE api_client_tokens;
