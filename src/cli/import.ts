export async function importCommand(_file: string): Promise<number> { return 1; }
