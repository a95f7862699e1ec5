export declare const policy: Record<string, unknown>;
export declare function calls(): Record<string, unknown>[];
export declare function answer(engine: unknown, list: Record<string, unknown>[]): string;
