#!/usr/bin/perl
# Demo ENT service page: shows who mod_auth_cas authenticated and every CAS attribute it received.
# perl-base only (no CGI.pm), so it runs on a minimal Debian. mod_auth_cas passes attributes as
# request headers "CAS-Attr-<name>", which Apache exports as HTTP_CAS_ATTR_<NAME> (upper-cased);
# multi-valued attributes are joined with ";" (CASAttributeDelimiter).
use strict;
use warnings;

sub html {
    my ($s) = @_;
    $s = '' unless defined $s;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    $s =~ s/'/&#39;/g;
    return $s;
}

sub url_encode {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord($1))/ge;
    return $s;
}

my $path = $ENV{REQUEST_URI} || '/';
$path =~ s/\?.*//s;
my ($location) = $path =~ m{^/([A-Za-z0-9_-]+)/};
$location = '' unless defined $location;
my $scheme  = $ENV{REQUEST_SCHEME} || 'http';
my $host    = $ENV{SERVER_NAME}    || '127.0.0.1';
my $port    = $ENV{SERVER_PORT}    || '80';
my $default = ($scheme eq 'https' && $port eq '443') || ($scheme eq 'http' && $port eq '80');
my $service = "$scheme://$host" . ($default ? '' : ":$port") . "/$location/";
my $cas     = $ENV{SESAME_CAS_BASE_URL} || '';
my $logout  = "$cas/logout?service=" . url_encode($service);
my $name    = $ENV{SESAME_SERVICE_NAME} || $location;
my $user    = $ENV{REMOTE_USER};

my @rows;
for my $key (sort keys %ENV) {
    next unless $key =~ /^HTTP_CAS_ATTR_(.+)$/;
    my $attr = $1;
    my @values = split /;/, $ENV{$key}, -1;
    @values = ('') unless @values;
    my $cell = @values == 1
        ? html($values[0])
        : '<ul>' . join('', map { '<li>' . html($_) . '</li>' } @values) . '</ul>';
    push @rows, '<tr><th scope="row">' . html($attr) . "</th><td>$cell</td></tr>";
}

print "Content-Type: text/html; charset=utf-8\r\n";
print "Cache-Control: no-store\r\n";
print "X-Content-Type-Options: nosniff\r\n";
print "\r\n";
print <<"PAGE";
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service ENT de démonstration — @{[html($name)]}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 48rem; padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.5; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #666; padding: .4rem .6rem; text-align: left; vertical-align: top; word-break: break-word; }
th[scope=col] { background: #e8e8e8; }
td ul { margin: 0; padding-left: 1.2rem; }
a { color: #0b4f9c; }
a:focus { outline: 3px solid #f5a623; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1>Service ENT de démonstration</h1>
<p>Service : <strong>@{[html($name)]}</strong> (<code>@{[html($service)]}</code>)</p>
PAGE
if (defined $user && $user ne '') {
    print '<p>Vous êtes connecté en tant que <strong id="remote-user">' . html($user) . "</strong>.</p>\n";
} else {
    print "<p>Vous n'êtes pas connecté.</p>\n";
}
print "<table>\n<caption>Attributs CAS reçus par le service</caption>\n";
print "<thead><tr><th scope=\"col\">Attribut</th><th scope=\"col\">Valeur</th></tr></thead>\n<tbody>\n";
print '<tr><th scope="row">REMOTE_USER</th><td>' . html($user) . "</td></tr>\n";
print "$_\n" for @rows;
print "</tbody>\n</table>\n";
print '<p><a href="' . html($logout) . "\">Se déconnecter</a></p>\n";
print "</main>\n</body>\n</html>\n";
