-- drizzle-kit leaves ON DELETE out of an added column's REFERENCES: the cascade is written by hand
DROP INDEX `app_metric_applicationId_time_idx`;--> statement-breakpoint
ALTER TABLE `app_metric` ADD `previewDeploymentId` text REFERENCES preview_deployments(previewDeploymentId) ON UPDATE no action ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `app_metric_series_time_idx` ON `app_metric` (`applicationId`,`previewDeploymentId`,`time`);--> statement-breakpoint
CREATE INDEX `app_metric_previewDeploymentId_idx` ON `app_metric` (`previewDeploymentId`) WHERE "app_metric"."previewDeploymentId" IS NOT NULL;