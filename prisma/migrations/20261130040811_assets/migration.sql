-- CreateTable
CREATE TABLE "PipelineAsset" (
    "id" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "mediaType" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" UUID,

    CONSTRAINT "PipelineAsset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AssetBlob" (
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssetBlob_pkey" PRIMARY KEY ("sha256")
);

-- CreateIndex
CREATE INDEX "PipelineAsset_pipelineId_name_idx" ON "PipelineAsset"("pipelineId", "name");

-- CreateIndex
CREATE INDEX "PipelineAsset_sha256_idx" ON "PipelineAsset"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineAsset_pipelineId_name_sha256_key" ON "PipelineAsset"("pipelineId", "name", "sha256");

-- AddForeignKey
ALTER TABLE "PipelineAsset" ADD CONSTRAINT "PipelineAsset_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineAsset" ADD CONSTRAINT "PipelineAsset_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "AssetBlob"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;
