ALTER TABLE "sessions" ADD COLUMN "telegram_message_id" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_telegram_message_idx" ON "sessions" USING btree ("telegram_chat_id","telegram_message_id");--> statement-breakpoint
CREATE INDEX "sessions_status_queued_at_idx" ON "sessions" USING btree ("status","queued_at");