using System.Security.Cryptography;
using MasterSocket.Broker.Auth;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MasterSocket.Broker.Options;

/// <summary>
/// Checks the configuration at start (ValidateOnStart), so a bad setting stops the process with a
/// message that names the key, instead of surfacing later as odd behaviour.
/// </summary>
public sealed class BrokerOptionsValidator(IHostEnvironment environment) : IValidateOptions<BrokerOptions>
{
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(options.Port is >= 0 and <= 65535, "Broker:Port must be between 0 and 65535");
        Check(options.AdminPort is >= 0 and <= 65535, "Broker:AdminPort must be between 0 and 65535");
        Check(options.Port == 0 || options.Port != options.AdminPort, "Broker:Port and Broker:AdminPort must differ");
        Check(System.Net.IPAddress.TryParse(options.BindAddress, out _), "Broker:BindAddress must be an IP address");
        Check(options.ShutdownTimeout > TimeSpan.Zero, "Broker:ShutdownTimeout must be positive");
        Check(options.NodeId is null || options.NodeId.Length is > 0 and <= 128 && !options.NodeId.Any(char.IsControl),
            "Broker:NodeId must be 1 to 128 printable characters");

        var limits = options.Limits;
        Check(limits.MaxMessageBytes is >= 256 and <= 64 * 1024 * 1024, "Broker:Limits:MaxMessageBytes must be between 256 and 67108864");
        Check(limits.MaxPendingBytes >= limits.MaxMessageBytes, "Broker:Limits:MaxPendingBytes must be at least Broker:Limits:MaxMessageBytes");
        Check(limits.MaxConnections >= 0, "Broker:Limits:MaxConnections must be 0 (unlimited) or positive");
        Check(limits.MaxHandshakeBytes is >= 1024 and <= 64 * 1024, "Broker:Limits:MaxHandshakeBytes must be between 1024 and 65536");

        var session = options.Session;
        Check(session.IdentifyTimeout > TimeSpan.Zero, "Broker:Session:IdentifyTimeout must be positive");
        Check(session.HeartbeatInterval > TimeSpan.Zero, "Broker:Session:HeartbeatInterval must be positive");
        Check(session.HeartbeatTimeout > session.HeartbeatInterval, "Broker:Session:HeartbeatTimeout must be longer than Broker:Session:HeartbeatInterval");
        Check(session.CloseTimeout > TimeSpan.Zero, "Broker:Session:CloseTimeout must be positive");

        ValidateAuth(options.Auth, Check);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void ValidateAuth(AuthOptions auth, Action<bool, string> check)
    {
        if (auth.Mode is null or AuthMode.None)
        {
            // PROTOCOL.md 6: outside Development, refuse to run open.
            check(environment.IsDevelopment(),
                $"Broker:Auth:Mode is {(auth.Mode is null ? "not set" : "None")} in the {environment.EnvironmentName} environment: " +
                "set Broker:Auth:Mode to Keys or Jwt (None is allowed only with DOTNET_ENVIRONMENT=Development)");
            return;
        }

        if (auth.Mode == AuthMode.Keys)
        {
            check(auth.Keys.Count > 0, "Broker:Auth:Keys must list at least one key when Broker:Auth:Mode is Keys");
            for (var i = 0; i < auth.Keys.Count; i++)
            {
                var key = auth.Keys[i];
                check(key.Key.Length >= 8, $"Broker:Auth:Keys:{i}:Key must be at least 8 characters");
                check(Roles.TryParse(key.Role, out _), $"Broker:Auth:Keys:{i}:Role must be 'service' or 'client'");
                check(key.Groups.All(GroupPatterns.IsValidPattern), $"Broker:Auth:Keys:{i}:Groups has an empty entry");
            }

            check(auth.Keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() == auth.Keys.Count, "Broker:Auth:Keys has the same Key twice");
            return;
        }

        var jwt = auth.Jwt;
        var hasSecret = !string.IsNullOrEmpty(jwt.Secret);
        var hasPem = !string.IsNullOrEmpty(jwt.PublicKeyPem);
        check(hasSecret ^ hasPem, "Broker:Auth:Jwt needs exactly one of Secret (HS256) or PublicKeyPem (RS256)");
        if (hasSecret)
        {
            check(System.Text.Encoding.UTF8.GetByteCount(jwt.Secret!) >= 32, "Broker:Auth:Jwt:Secret must be at least 32 bytes for HS256");
        }

        if (hasPem)
        {
            check(IsRsaPublicKey(jwt.PublicKeyPem!), "Broker:Auth:Jwt:PublicKeyPem is not an RSA public key in PEM");
        }
    }

    private static bool IsRsaPublicKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
