namespace MasterSocket.Broker.Auth;

/// <summary>
/// The groups a credential allows: exact names, or a prefix ending in <c>*</c> ("match-*" allows
/// "match-42"; "*" allows every group).
/// </summary>
public sealed class GroupPatterns
{
    public static readonly GroupPatterns Any = new(["*"]);

    private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    private readonly List<string> _prefixes = [];

    public GroupPatterns(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith('*'))
            {
                _prefixes.Add(pattern[..^1]);
            }
            else
            {
                _exact.Add(pattern);
            }
        }
    }

    public static bool IsValidPattern(string pattern) => !string.IsNullOrEmpty(pattern);

    public bool Allows(string group) =>
        _exact.Contains(group) || _prefixes.Exists(prefix => group.StartsWith(prefix, StringComparison.Ordinal));
}
