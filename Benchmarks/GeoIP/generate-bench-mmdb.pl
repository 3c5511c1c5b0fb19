#!/usr/bin/perl
# Writes a City+ASN-like MaxMind DB for the GeoIP benchmark, and the addresses to look up.
#
#   generate-bench-mmdb.pl OUT.mmdb OUT-addresses.bin [NETWORKS] [SEED]
#
# NETWORKS distinct IPv4 /24 networks (default 1,000,000) in an IPv6 tree with 28-bit records and
# IPv4 aliasing, like GeoLite2-City. Each network gets one of 100,000 records combining a city
# (20,000, with names in 8 languages, location, subdivision, postal code), its country and
# continent, and an autonomous system (5,000). OUT-addresses.bin holds 1,000,000 IPv4 addresses
# (4 bytes each, network order), each a random host inside a random inserted network.
# Needs Debian's libmaxmind-db-writer-perl.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($output, $addresses_output, $network_count, $seed) = @ARGV;
die "usage: $0 OUT.mmdb OUT-addresses.bin [NETWORKS] [SEED]\n" unless $addresses_output;
$network_count ||= 1_000_000;
$seed ||= 42;
srand($seed);

my %types = (
    city => 'map', continent => 'map', country => 'map', registered_country => 'map', location => 'map',
    postal => 'map', subdivisions => ['array', 'map'], names => 'map',
    geoname_id => 'uint32', code => 'utf8_string', iso_code => 'utf8_string',
    accuracy_radius => 'uint16', latitude => 'double', longitude => 'double', time_zone => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
    map { $_ => 'utf8_string' } qw(de en es fr ja pt-BR ru zh-CN),
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 28,
    database_type         => 'AuditRelay-Bench-City-ASN',
    languages             => [qw(de en es fr ja pt-BR ru zh-CN)],
    description           => { en => 'Generated City+ASN-like benchmark database' },
    alias_ipv6_to_ipv4    => 1,
    map_key_type_callback => sub { $types{ $_[0] } },
);

my @syllables = qw(ka lo mi san ter vel dor an bri chen gar hol ist jun kor lem nor par qui ros tal um wex yor zan);
sub word {
    my $count = 2 + int(rand(3));
    my $name = join '', map { $syllables[int(rand(@syllables))] } 1 .. $count;
    return ucfirst $name;
}
sub names {
    my $base = shift;
    return { map { $_ => ($_ eq 'en' ? $base : "$base ($_)") } qw(de en es fr ja pt-BR ru zh-CN) };
}

my @continents = map { { code => $_->[0], geoname_id => $_->[1], names => names($_->[2]) } }
    (['AF', 6255146, 'Africa'], ['AS', 6255147, 'Asia'], ['EU', 6255148, 'Europe'],
     ['NA', 6255149, 'North America'], ['OC', 6255151, 'Oceania'], ['SA', 6255150, 'South America']);
my @countries;
for my $index (0 .. 199) {
    my $iso = chr(65 + int($index / 26)) . chr(65 + $index % 26);
    push @countries, {
        continent => $continents[$index % @continents],
        country   => { geoname_id => 1_000_000 + $index, iso_code => $iso, names => names(word() . 'ia') },
    };
}
my @cities;
for my $index (0 .. 19_999) {
    my $country = $countries[int(rand(@countries))];
    my $city_name = word() . (rand() < 0.3 ? ' ' . word() : '');
    push @cities, {
        %$country,
        registered_country => $country->{country},
        city     => { geoname_id => 2_000_000 + $index, names => names($city_name) },
        location => {
            accuracy_radius => 1 + int(rand(1000)),
            latitude        => int((rand(180) - 90) * 10_000) / 10_000,
            longitude       => int((rand(360) - 180) * 10_000) / 10_000,
            time_zone       => 'Zone/' . word(),
        },
        postal       => { code => sprintf('%05d', int(rand(100_000))) },
        subdivisions => [ { geoname_id => 3_000_000 + $index, iso_code => uc(substr(word(), 0, 2)), names => names(word()) } ],
    };
}
my @systems = map { [ 1000 + $_ * 7, word() . ' ' . ('Networks', 'Telecom', 'Communications Ltd', 'Internet Services', 'Cloud Inc.')[$_ % 5] ] } 0 .. 4999;
my @records;
for my $index (0 .. 99_999) {
    my $system = $systems[int(rand(@systems))];
    push @records, {
        %{ $cities[int(rand(@cities))] },
        autonomous_system_number       => $system->[0],
        autonomous_system_organization => $system->[1],
    };
}

# Distinct /24s outside reserved space (the writer silently drops reserved networks).
my @first_octets = grep {
    $_ != 0 && $_ != 10 && $_ != 100 && $_ != 127 && $_ != 169 && $_ != 172 && $_ != 192 && $_ != 198
} 1 .. 223;
my %seen;
my @networks;
while (@networks < $network_count) {
    my $prefix = ($first_octets[int(rand(@first_octets))] << 16) | int(rand(65536));
    next if $seen{$prefix}++;
    push @networks, $prefix;
}
my $inserted = 0;
for my $prefix (@networks) {
    my $network = join('.', $prefix >> 16, ($prefix >> 8) & 255, $prefix & 255, 0) . '/24';
    $tree->insert_network($network, $records[int(rand(@records))]);
    $inserted++;
    print STDERR "inserted $inserted networks\n" if $inserted % 200_000 == 0;
}

open my $fh, '>:raw', "$output.tmp" or die "cannot write $output.tmp: $!";
$tree->write_tree($fh);
close $fh or die "cannot write $output.tmp: $!";
rename "$output.tmp", $output or die "cannot rename to $output: $!";

open my $addresses, '>:raw', $addresses_output or die "cannot write $addresses_output: $!";
for (1 .. 1_000_000) {
    my $prefix = $networks[int(rand(@networks))];
    print {$addresses} pack('N', ($prefix << 8) | int(rand(256)));
}
close $addresses or die "cannot write $addresses_output: $!";
print STDERR "wrote $output ($inserted networks) and $addresses_output\n";
