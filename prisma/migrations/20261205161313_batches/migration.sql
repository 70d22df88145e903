-- CreateEnum
CREATE TYPE "DatasetFormat" AS ENUM ('csv', 'jsonl', 'zip');

-- CreateEnum
CREATE TYPE "BatchStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "BatchRowStatus" AS ENUM ('ok', 'error');

-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "format" "DatasetFormat" NOT NULL,
    "name" TEXT NOT NULL,
    "columns" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rowCount" INTEGER NOT NULL DEFAULT 0,
    "sizeBytes" INTEGER NOT NULL DEFAULT 0,
    "readyAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" UUID,
    "apiKeyId" UUID,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetChunk" (
    "datasetId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "firstRow" INTEGER NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "records" JSON NOT NULL,
    "files" BYTEA,

    CONSTRAINT "DatasetChunk_pkey" PRIMARY KEY ("datasetId","index")
);

-- CreateTable
CREATE TABLE "Batch" (
    "id" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "versionNumber" INTEGER NOT NULL,
    "alias" TEXT,
    "mapping" JSONB NOT NULL,
    "status" "BatchStatus" NOT NULL DEFAULT 'queued',
    "total" INTEGER NOT NULL,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "progressBase" INTEGER NOT NULL DEFAULT 0,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "userId" UUID,
    "apiKeyId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Batch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BatchRow" (
    "batchId" UUID NOT NULL,
    "rowIndex" INTEGER NOT NULL,
    "chunkIndex" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" "BatchRowStatus" NOT NULL,
    "invocationId" UUID,
    "outputs" JSON,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "errorNode" TEXT,
    "errorField" TEXT,
    "durationMs" DOUBLE PRECISION,
    "finishedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BatchRow_pkey" PRIMARY KEY ("batchId","rowIndex")
);

-- CreateTable
CREATE TABLE "BatchClaim" (
    "batchId" UUID NOT NULL,
    "chunkIndex" INTEGER NOT NULL,
    "jobId" UUID NOT NULL,
    "instance" INTEGER,
    "claimedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BatchClaim_pkey" PRIMARY KEY ("batchId","chunkIndex")
);

-- CreateIndex
CREATE INDEX "Dataset_pipelineId_createdAt_idx" ON "Dataset"("pipelineId", "createdAt");

-- CreateIndex
CREATE INDEX "Batch_pipelineId_createdAt_idx" ON "Batch"("pipelineId", "createdAt");

-- AddForeignKey
ALTER TABLE "DatasetChunk" ADD CONSTRAINT "DatasetChunk_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Batch" ADD CONSTRAINT "Batch_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BatchRow" ADD CONSTRAINT "BatchRow_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "Batch"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "DatasetChunk" ALTER COLUMN "files" SET STORAGE EXTERNAL;
