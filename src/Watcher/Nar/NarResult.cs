namespace Watcher.Nar;

/// <summary>The SHA-256 (<c>narHash</c>) and length (<c>narSize</c>) of a NAR byte stream, magic included.</summary>
/// <param name="NarHash">The raw 32-byte SHA-256; record equality compares it by reference, so compare hashes with <c>SequenceEqual</c>.</param>
/// <param name="NarSize">The number of bytes in the NAR.</param>
internal sealed record NarResult(byte[] NarHash, long NarSize);
