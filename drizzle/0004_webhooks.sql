CREATE TABLE `webhook_delivery` (
	`provider` text NOT NULL,
	`deliveryId` text NOT NULL,
	`target` text NOT NULL,
	`receivedAt` text NOT NULL,
	PRIMARY KEY(`provider`, `deliveryId`, `target`)
);
--> statement-breakpoint
CREATE INDEX `webhook_delivery_receivedAt_idx` ON `webhook_delivery` (`receivedAt`);--> statement-breakpoint
ALTER TABLE `application` ADD `webhookSecret` text;