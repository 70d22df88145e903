-- AlterTable
ALTER TABLE "Invocation" ADD COLUMN     "cached" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Pipeline" ADD COLUMN     "cacheEnabled" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "cacheTtlSeconds" INTEGER NOT NULL DEFAULT 300;
