-- The application role's sessions start in Vietnam's time zone on the server's side too, not only through the
-- pool's startup option (-c TimeZone=…): a pooler in transaction mode (PgBouncer) drops startup options, and its
-- server connections then keep this default.
alter role mattran_app set timezone to 'Asia/Ho_Chi_Minh';
