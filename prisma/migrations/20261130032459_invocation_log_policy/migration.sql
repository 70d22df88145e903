-- CreateEnum
CREATE TYPE "LogPayloadMode" AS ENUM ('full', 'truncated', 'metadata');

-- AlterTable
ALTER TABLE "Invocation" ADD COLUMN     "instance" INTEGER;

-- AlterTable
ALTER TABLE "Pipeline" ADD COLUMN     "logPayload" "LogPayloadMode" NOT NULL DEFAULT 'full',
ADD COLUMN     "logRedact" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "logTruncateKb" INTEGER NOT NULL DEFAULT 16;
