namespace Watcher.Nix;

/// <summary>
/// Nix's own base-32 ("nix32"): alphabet without e, o, u, t; the number is little-endian over the
/// bytes and written most-significant digit first, so it is not RFC 4648 base32.
/// </summary>
internal static class Nix32
{
    public const string Alphabet = "0123456789abcdfghijklmnpqrsvwxyz";

    private static readonly sbyte[] Digits = BuildDigits();

    /// <summary>Length of the encoding of <paramref name="byteCount"/> bytes.</summary>
    public static int EncodedLength(int byteCount) => byteCount == 0 ? 0 : ((byteCount * 8) - 1) / 5 + 1;

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        int length = EncodedLength(bytes.Length);
        return string.Create(length, bytes.ToArray(), static (chars, input) =>
        {
            for (int k = chars.Length - 1, o = 0; k >= 0; k--, o++)
            {
                int b = k * 5;
                int i = b / 8;
                int j = b % 8;
                int c = input[i] >> j;
                if (i + 1 < input.Length)
                {
                    c |= input[i + 1] << (8 - j);
                }

                chars[o] = Alphabet[c & 0x1f];
            }
        });
    }

    public static bool IsValidChar(char c) => c < 128 && Digits[c] >= 0;

    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length))
        {
            return false;
        }

        destination.Clear();
        for (int n = 0; n < text.Length; n++)
        {
            char ch = text[text.Length - n - 1];
            if (!IsValidChar(ch))
            {
                return false;
            }

            int digit = Digits[ch];
            int b = n * 5;
            int i = b / 8;
            int j = b % 8;
            destination[i] |= (byte)(digit << j);
            int spill = digit >> (8 - j);
            if (i + 1 < destination.Length)
            {
                destination[i + 1] |= (byte)spill;
            }
            else if (spill != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static sbyte[] BuildDigits()
    {
        var digits = new sbyte[128];
        Array.Fill(digits, (sbyte)-1);
        for (int i = 0; i < Alphabet.Length; i++)
        {
            digits[Alphabet[i]] = (sbyte)i;
        }

        return digits;
    }
}
