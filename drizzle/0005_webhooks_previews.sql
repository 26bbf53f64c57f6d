CREATE TABLE `webhook_delivery` (
	`provider` text NOT NULL,
	`deliveryId` text NOT NULL,
	`target` text NOT NULL,
	`receivedAt` text NOT NULL,
	PRIMARY KEY(`provider`, `deliveryId`, `target`)
);
--> statement-breakpoint
CREATE INDEX `webhook_delivery_receivedAt_idx` ON `webhook_delivery` (`receivedAt`);--> statement-breakpoint
ALTER TABLE `application` ADD `webhookSecret` text;--> statement-breakpoint
ALTER TABLE `application` ADD `previewAllowForks` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `preview_deployments` ADD `statusMessage` text;--> statement-breakpoint
ALTER TABLE `preview_deployments` ADD `headCloneUrl` text;