-- AlterTable
ALTER TABLE "Alias" ADD COLUMN     "canarySticky" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "canaryVersionId" UUID,
ADD COLUMN     "canaryWeight" INTEGER,
ADD COLUMN     "shadowVersionId" UUID;

-- AlterTable
ALTER TABLE "Invocation" ADD COLUMN     "shadowOf" UUID;

-- CreateIndex
CREATE INDEX "Invocation_shadowOf_idx" ON "Invocation"("shadowOf");

-- AddForeignKey
ALTER TABLE "Alias" ADD CONSTRAINT "Alias_canaryVersionId_fkey" FOREIGN KEY ("canaryVersionId") REFERENCES "PipelineVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alias" ADD CONSTRAINT "Alias_shadowVersionId_fkey" FOREIGN KEY ("shadowVersionId") REFERENCES "PipelineVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
