ALTER TABLE `application` ADD `httpHealthCheck` text;--> statement-breakpoint
ALTER TABLE `deployment` ADD `type` text DEFAULT 'deploy' NOT NULL;--> statement-breakpoint
ALTER TABLE `deployment` ADD `commitHash` text;