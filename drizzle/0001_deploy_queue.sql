CREATE TABLE `job` (
	`jobId` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`applicationId` text NOT NULL,
	`deploymentId` text,
	`errorMessage` text,
	`createdAt` text NOT NULL,
	`startedAt` text,
	`finishedAt` text,
	FOREIGN KEY (`applicationId`) REFERENCES `application`(`applicationId`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deploymentId`) REFERENCES `deployment`(`deploymentId`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_state_idx` ON `job` (`state`);--> statement-breakpoint
CREATE INDEX `job_applicationId_idx` ON `job` (`applicationId`);--> statement-breakpoint
CREATE INDEX `job_deploymentId_idx` ON `job` (`deploymentId`);--> statement-breakpoint
ALTER TABLE `deployment` ADD `stage` text DEFAULT 'queued' NOT NULL;--> statement-breakpoint
ALTER TABLE `deployment` ADD `stageTimes` text;--> statement-breakpoint
ALTER TABLE `deployment` ADD `image` text;