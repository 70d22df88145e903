-- CreateEnum
CREATE TYPE "InvocationSource" AS ENUM ('editor', 'rest', 'oip', 'batch');

-- CreateEnum
CREATE TYPE "InvocationStatus" AS ENUM ('running', 'ok', 'error', 'abandoned');

-- CreateTable
CREATE TABLE "Invocation" (
    "id" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "versionNumber" INTEGER,
    "alias" TEXT,
    "draftHash" TEXT,
    "source" "InvocationSource" NOT NULL,
    "status" "InvocationStatus" NOT NULL,
    "errorCode" TEXT,
    "errorNode" TEXT,
    "errorMessage" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "durationMs" DOUBLE PRECISION,
    "trace" JSONB,
    "inputs" JSONB,
    "outputs" JSONB,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "userId" UUID,
    "apiKeyId" UUID,

    CONSTRAINT "Invocation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Invocation_pipelineId_startedAt_idx" ON "Invocation"("pipelineId", "startedAt");

-- CreateIndex
CREATE INDEX "Invocation_startedAt_idx" ON "Invocation"("startedAt");
