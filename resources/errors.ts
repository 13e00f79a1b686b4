/** JSON-RPC code the MCP spec assigns to "resource not found". */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * A JSON-RPC error for a resource read. Not the SDK's McpError: that one puts "MCP error <code>:"
 * into the message it sends, and the client adds the same prefix again.
 */
export class ResourceError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
