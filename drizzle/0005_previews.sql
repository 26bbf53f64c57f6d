ALTER TABLE `application` ADD `previewAllowForks` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `preview_deployments` ADD `statusMessage` text;--> statement-breakpoint
ALTER TABLE `preview_deployments` ADD `headCloneUrl` text;