/**
 * The part of swagger-ui-dist's prebuilt browser bundle this app uses (the package ships no types; the
 * options are swagger-ui's documented configuration: https://swagger.io/docs/open-source-tools/swagger-ui/usage/configuration/).
 */
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  interface TSwaggerUIOptions {
    domNode: HTMLElement;
    spec: object;
    presets?: unknown[];
    layout?: string;
    docExpansion?: "list" | "full" | "none";
    defaultModelsExpandDepth?: number;
    defaultModelExpandDepth?: number;
    supportedSubmitMethods?: string[];
    validatorUrl?: string | null;
    deepLinking?: boolean;
    queryConfigEnabled?: boolean;
    tryItOutEnabled?: boolean;
  }
  interface TSwaggerUIBundle {
    (options: TSwaggerUIOptions): unknown;
    presets: { apis: unknown };
  }
  const SwaggerUIBundle: TSwaggerUIBundle;
  export default SwaggerUIBundle;
}
