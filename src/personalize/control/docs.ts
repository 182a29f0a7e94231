/** The documents the control plane keeps per resource (times in ms since the epoch). */
import type { DatasetType } from "./schema.js";

interface Times {
  creationDateTime: number;
  lastUpdatedDateTime: number;
}

export interface DatasetGroupDoc extends Times {
  roleArn?: string;
  kmsKeyArn?: string;
  domain?: string;
}

export interface SchemaDoc extends Times {
  schema: string;
  domain?: string;
}

export interface DatasetDoc extends Times {
  datasetType: DatasetType;
  datasetGroupArn: string;
  datasetGroupName: string;
  schemaArn: string;
  /** Model-store keys of the imported CSV files, in import order (one header, see jobs.ts). */
  dataKeys?: string[];
  columns?: string[];
}

export interface ImportJobDoc extends Times {
  datasetArn: string;
  dataSource: { dataLocation: string };
  roleArn?: string;
  importMode: "FULL" | "INCREMENTAL";
  failureReason?: string;
  rows?: number;
}

export interface SolutionDoc extends Times {
  datasetGroupArn: string;
  recipeArn?: string;
  performHPO: boolean;
  performAutoML: boolean;
  eventType?: string;
  solutionConfig?: Record<string, unknown>;
}

export interface SolutionVersionDoc extends Times {
  solutionArn: string;
  trainingMode: string;
  failureReason?: string;
  modelKey?: string;
  engineRecipe?: string;
  trainingMs?: number;
  tunedHPOParams?: { algorithmHyperParameters: Record<string, string> };
  stats?: Record<string, number>;
}

export interface CampaignDoc extends Times {
  solutionVersionArn: string;
  minProvisionedTPS: number;
  campaignConfig?: Record<string, unknown>;
}

export interface FilterDoc extends Times {
  datasetGroupArn: string;
  filterExpression: string;
}
