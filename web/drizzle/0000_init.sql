CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text,
	"username" text,
	"photo_url" text,
	"plan" text DEFAULT 'trial' NOT NULL,
	"trial_ends_at" timestamp with time zone NOT NULL,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_telegram_user_id_key" UNIQUE("telegram_user_id"),
	CONSTRAINT "users_stripe_customer_id_key" UNIQUE("stripe_customer_id"),
	CONSTRAINT "users_plan_check" CHECK ("users"."plan" in ('trial', 'pro', 'team', 'free'))
);
--> statement-breakpoint
CREATE TABLE "login_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"first_name" text NOT NULL,
	"username" text,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "web_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"runner" text NOT NULL,
	"token_id" text NOT NULL,
	"hostname" text,
	"status" text DEFAULT 'offline' NOT NULL,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agents_token_id_key" UNIQUE("token_id"),
	CONSTRAINT "agents_owner_id_name_key" UNIQUE("owner_id","name"),
	CONSTRAINT "agents_status_check" CHECK ("agents"."status" in ('online', 'offline'))
);
--> statement-breakpoint
CREATE TABLE "pairing_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"agent_id" text NOT NULL,
	"account_id" text NOT NULL,
	"started_by_telegram_user_id" bigint NOT NULL,
	"started_by_name" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"prompt_preview" varchar(200) NOT NULL,
	"continues_session_id" text,
	"failure_reason" varchar(200),
	"telegram_chat_id" bigint,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "sessions_status_check" CHECK ("sessions"."status" in ('queued', 'running', 'done', 'failed', 'aborted', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "authorized_users" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"username" text,
	"first_name" text,
	"role" text DEFAULT 'member' NOT NULL,
	"active_agent_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authorized_users_account_id_telegram_user_id_key" UNIQUE("account_id","telegram_user_id"),
	CONSTRAINT "authorized_users_role_check" CHECK ("authorized_users"."role" in ('owner', 'member'))
);
--> statement-breakpoint
CREATE TABLE "team_invites" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"code_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_telegram_user_id" bigint,
	CONSTRAINT "team_invites_code_hash_key" UNIQUE("code_hash")
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "web_sessions" ADD CONSTRAINT "web_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairing_codes" ADD CONSTRAINT "pairing_codes_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_account_id_users_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_continues_session_id_sessions_id_fk" FOREIGN KEY ("continues_session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorized_users" ADD CONSTRAINT "authorized_users_account_id_users_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorized_users" ADD CONSTRAINT "authorized_users_active_agent_id_agents_id_fk" FOREIGN KEY ("active_agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_invites" ADD CONSTRAINT "team_invites_account_id_users_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_invites" ADD CONSTRAINT "team_invites_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "login_links_expires_at_idx" ON "login_links" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "web_sessions_expires_at_idx" ON "web_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "web_sessions_user_id_idx" ON "web_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "pairing_codes_owner_id_idx" ON "pairing_codes" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "pairing_codes_expires_at_idx" ON "pairing_codes" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "sessions_agent_id_status_idx" ON "sessions" USING btree ("agent_id","status");--> statement-breakpoint
CREATE INDEX "sessions_account_id_queued_at_idx" ON "sessions" USING btree ("account_id","queued_at");--> statement-breakpoint
CREATE INDEX "sessions_continues_session_id_idx" ON "sessions" USING btree ("continues_session_id");--> statement-breakpoint
CREATE INDEX "authorized_users_telegram_user_id_idx" ON "authorized_users" USING btree ("telegram_user_id");--> statement-breakpoint
CREATE INDEX "authorized_users_active_agent_id_idx" ON "authorized_users" USING btree ("active_agent_id");--> statement-breakpoint
CREATE INDEX "team_invites_account_id_idx" ON "team_invites" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "team_invites_created_by_idx" ON "team_invites" USING btree ("created_by");