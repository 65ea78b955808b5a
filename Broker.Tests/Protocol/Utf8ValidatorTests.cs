using System.Buffers;
using System.Text.Unicode;
using MasterSocket.Protocol.WebSockets;
using MasterSocket.Tests.Protocol.Support;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="Utf8Validator"/>: RFC 3629 validity, whatever the pieces the bytes arrive in.</summary>
public class Utf8ValidatorTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>Appends <paramref name="bytes"/> cut at <paramref name="cuts"/>: true when every piece was accepted and the end is complete.</summary>
    private static bool ValidInPieces(byte[] bytes, params int[] cuts)
    {
        var validator = default(Utf8Validator);
        foreach (var piece in Sequences.Pieces(bytes, cuts))
        {
            if (!validator.Append(piece.Span))
            {
                return false;
            }
        }

        return validator.IsComplete;
    }

    [TestCase("", true)]
    [TestCase("41", true)]
    [TestCase("7F", true)]
    [TestCase("C2 80", true)]
    [TestCase("DF BF", true)]
    [TestCase("E0 A0 80", true)]
    [TestCase("E2 82 AC", true)]
    [TestCase("ED 9F BF", true)]
    [TestCase("EE 80 80", true)]
    [TestCase("EF BF BF", true)]
    [TestCase("F0 90 80 80", true)]
    [TestCase("F0 9F 98 80", true)]
    [TestCase("F4 8F BF BF", true)]
    [TestCase("68 C3 A9 6C 6C 6F F0 9F 98 80 E2 82 AC", true)]
    [TestCase("80", false)]
    [TestCase("BF", false)]
    [TestCase("C0 80", false)]
    [TestCase("C1 BF", false)]
    [TestCase("C2", false)]
    [TestCase("C2 41", false)]
    [TestCase("C2 C2 80", false)]
    [TestCase("E0 80 80", false)]
    [TestCase("E0 9F BF", false)]
    [TestCase("E2 82", false)]
    [TestCase("E2 41 AC", false)]
    [TestCase("E2 82 41", false)]
    [TestCase("ED A0 80", false)]
    [TestCase("ED BF BF", false)]
    [TestCase("F0 80 80 80", false)]
    [TestCase("F0 8F BF BF", false)]
    [TestCase("F0 9F 98", false)]
    [TestCase("F4 90 80 80", false)]
    [TestCase("F5 80 80 80", false)]
    [TestCase("F8 88 80 80 80", false)]
    [TestCase("FE", false)]
    [TestCase("FF", false)]
    [TestCase("41 42 43 80", false)]
    [TestCase("E2 82 AC 80", false)]
    [TestCase("F0 9F 98 80 80", false)]
    public void Validity_is_the_same_whole_and_in_pieces_cut_anywhere(string hex, bool valid)
    {
        var bytes = Hex(hex);
        Assert.That(Utf8.IsValid(bytes), Is.EqualTo(valid), "the table itself agrees with the runtime");

        Assert.That(Utf8Validator.IsValid(new ReadOnlySequence<byte>(bytes)), Is.EqualTo(valid), "one segment");
        Assert.That(Utf8Validator.IsValid(Sequences.OneByteSegments(bytes)), Is.EqualTo(valid), "one-byte segments");
        Assert.That(ValidInPieces(bytes), Is.EqualTo(valid), "one piece");
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.That(ValidInPieces(bytes, cut), Is.EqualTo(valid), $"cut at {cut}");
            Assert.That(Utf8Validator.IsValid(Sequences.SplitAt(bytes, cut)), Is.EqualTo(valid), $"segments cut at {cut}");
            for (var second = cut; second <= bytes.Length; second++)
            {
                Assert.That(ValidInPieces(bytes, cut, second), Is.EqualTo(valid), $"cut at {cut} and {second}");
            }
        }
    }

    [TestCase("C0", TestName = "C0 can never lead")]
    [TestCase("E0 80", TestName = "E0 80 can only be overlong")]
    [TestCase("E0 9F", TestName = "E0 9F can only be overlong")]
    [TestCase("ED A0", TestName = "ED A0 can only be a surrogate")]
    [TestCase("F0 8F", TestName = "F0 8F can only be overlong")]
    [TestCase("F4 90", TestName = "F4 90 can only be above U+10FFFF")]
    [TestCase("E2 82 41", TestName = "A three-byte lead followed by ASCII fails")]
    [TestCase("F0 9F 41", TestName = "A four-byte lead followed by ASCII fails")]
    public void An_impossible_prefix_fails_at_once_without_waiting_for_more(string hex)
    {
        var bytes = Hex(hex);
        var whole = default(Utf8Validator);
        Assert.That(whole.Append(bytes), Is.False, "whole");

        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var validator = default(Utf8Validator);
            var first = validator.Append(bytes.AsSpan(0, cut));
            Assert.That(first && validator.Append(bytes.AsSpan(cut)), Is.False, $"cut at {cut}");
        }
    }

    [TestCase("C3")]
    [TestCase("E2 82")]
    [TestCase("F0 9F 98")]
    public void An_unfinished_code_point_is_accepted_but_not_complete(string hex)
    {
        var validator = default(Utf8Validator);

        Assert.That(validator.Append(Hex(hex)), Is.True);
        Assert.That(validator.IsComplete, Is.False);
    }

    [Test]
    public void Reset_forgets_an_unfinished_code_point()
    {
        var validator = default(Utf8Validator);
        Assert.That(validator.Append(Hex("E2 82")), Is.True);

        validator.Reset();

        Assert.That(validator.IsComplete, Is.True);
        Assert.That(validator.Append("A"u8), Is.True, "the A is not taken as the third byte of E2 82");
        Assert.That(validator.IsComplete, Is.True);
    }

    [Test]
    public void Empty_pieces_change_nothing()
    {
        var validator = default(Utf8Validator);

        Assert.That(validator.Append(Hex("F0")), Is.True);
        Assert.That(validator.Append([]), Is.True);
        Assert.That(validator.Append(Hex("9F")), Is.True);
        Assert.That(validator.Append([]), Is.True);
        Assert.That(validator.Append(Hex("98 80")), Is.True);
        Assert.That(validator.IsComplete, Is.True);
    }

    [Test]
    public void Random_text_cut_at_random_agrees_with_the_runtime_validator()
    {
        var random = new Random(3629);
        string[] pieces = ["a", "é", "€", "😀", "\u07FF", "\uFFFD", "\U0010FFFF"];
        for (var run = 0; run < 3000; run++)
        {
            // Valid text with, often, a few random bytes written over it.
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 20)).Select(_ => pieces[random.Next(pieces.Length)]));
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            if (bytes.Length > 0 && random.Next(3) > 0)
            {
                for (var flips = random.Next(1, 3); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
            }

            var expected = Utf8.IsValid(bytes);
            var cuts = Sequences.RandomOffsets(random, bytes.Length, 5);

            Assert.That(ValidInPieces(bytes, cuts), Is.EqualTo(expected), $"{Convert.ToHexString(bytes)} cut at [{string.Join(",", cuts)}]");
            Assert.That(Utf8Validator.IsValid(Sequences.SplitAt(bytes, cuts)), Is.EqualTo(expected), Convert.ToHexString(bytes));
        }
    }
}
