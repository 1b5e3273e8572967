/*
 *
 * ACPI Data Table [SRAT]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "SRAT"    [System Resource Affinity Table]
[004h 0004   4]                 Table Length : 0000031C
[008h 0008   1]                     Revision : 03
[009h 0009   1]                     Checksum : 87
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   4]               Table Revision : 00000001
[028h 0040   8]                     Reserved : 0000000000000000

[030h 0048   1]                Subtable Type : 03 [GICC Affinity]
[031h 0049   1]                       Length : 12

[032h 0050   4]             Proximity Domain : 00000000
[036h 0054   4]           Acpi Processor UID : 00000000
[03Ah 0058   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[03Eh 0062   4]                 Clock Domain : 00000000

[042h 0066   1]                Subtable Type : 03 [GICC Affinity]
[043h 0067   1]                       Length : 12

[044h 0068   4]             Proximity Domain : 00000000
[048h 0072   4]           Acpi Processor UID : 00000001
[04Ch 0076   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[050h 0080   4]                 Clock Domain : 00000000

[054h 0084   1]                Subtable Type : 01 [Memory Affinity]
[055h 0085   1]                       Length : 28

[056h 0086   4]             Proximity Domain : 00000000
[05Ah 0090   2]                    Reserved1 : 0000
[05Ch 0092   8]                 Base Address : 0000000040000000
[064h 0100   8]               Address Length : 0000000040000000
[06Ch 0108   4]                    Reserved2 : 00000000
[070h 0112   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
                               Hot Pluggable : 0
                                Non-Volatile : 0
[074h 0116   8]                    Reserved3 : 0000000000000000

[07Ch 0124   1]                Subtable Type : 01 [Memory Affinity]
[07Dh 0125   1]                       Length : 28

[07Eh 0126   4]             Proximity Domain : 00000001
[082h 0130   2]                    Reserved1 : 0000
[084h 0132   8]                 Base Address : 0000000080000000
[08Ch 0140   8]               Address Length : 0000000040000000
[094h 0148   4]                    Reserved2 : 00000000
[098h 0152   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[09Ch 0156   8]                    Reserved3 : 0000000000000000

[0A4h 0164   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0A5h 0165   1]                       Length : 20

[0A6h 0166   1]                    Reserved1 : 00
[0A7h 0167   1]           Device Handle Type : 01
[0A8h 0168   4]             Proximity Domain : 00000001
[0ACh 0172  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0BCh 0188   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[0C0h 0192   4]                    Reserved2 : 00000000

[0C4h 0196   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0C5h 0197   1]                       Length : 20

[0C6h 0198   1]                    Reserved1 : 00
[0C7h 0199   1]           Device Handle Type : 01
[0C8h 0200   4]             Proximity Domain : 00000002
[0CCh 0204  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0DCh 0220   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[0E0h 0224   4]                    Reserved2 : 00000000

[0E4h 0228   1]                Subtable Type : 05 [Generic Initiator Affinity]
[0E5h 0229   1]                       Length : 20

[0E6h 0230   1]                    Reserved1 : 00
[0E7h 0231   1]           Device Handle Type : 01
[0E8h 0232   4]             Proximity Domain : 00000003
[0ECh 0236  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[0FCh 0252   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[100h 0256   4]                    Reserved2 : 00000000

[104h 0260   1]                Subtable Type : 05 [Generic Initiator Affinity]
[105h 0261   1]                       Length : 20

[106h 0262   1]                    Reserved1 : 00
[107h 0263   1]           Device Handle Type : 01
[108h 0264   4]             Proximity Domain : 00000004
[10Ch 0268  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[11Ch 0284   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[120h 0288   4]                    Reserved2 : 00000000

[124h 0292   1]                Subtable Type : 05 [Generic Initiator Affinity]
[125h 0293   1]                       Length : 20

[126h 0294   1]                    Reserved1 : 00
[127h 0295   1]           Device Handle Type : 01
[128h 0296   4]             Proximity Domain : 00000005
[12Ch 0300  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[13Ch 0316   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[140h 0320   4]                    Reserved2 : 00000000

[144h 0324   1]                Subtable Type : 05 [Generic Initiator Affinity]
[145h 0325   1]                       Length : 20

[146h 0326   1]                    Reserved1 : 00
[147h 0327   1]           Device Handle Type : 01
[148h 0328   4]             Proximity Domain : 00000006
[14Ch 0332  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[15Ch 0348   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[160h 0352   4]                    Reserved2 : 00000000

[164h 0356   1]                Subtable Type : 05 [Generic Initiator Affinity]
[165h 0357   1]                       Length : 20

[166h 0358   1]                    Reserved1 : 00
[167h 0359   1]           Device Handle Type : 01
[168h 0360   4]             Proximity Domain : 00000007
[16Ch 0364  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[17Ch 0380   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[180h 0384   4]                    Reserved2 : 00000000

[184h 0388   1]                Subtable Type : 05 [Generic Initiator Affinity]
[185h 0389   1]                       Length : 20

[186h 0390   1]                    Reserved1 : 00
[187h 0391   1]           Device Handle Type : 01
[188h 0392   4]             Proximity Domain : 00000008
[18Ch 0396  16]                Device Handle : 00 00 00 10 00 00 00 00 00 00 00 00 00 00 00 00
[19Ch 0412   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[1A0h 0416   4]                    Reserved2 : 00000000

[1A4h 0420   1]                Subtable Type : 01 [Memory Affinity]
[1A5h 0421   1]                       Length : 28

[1A6h 0422   4]             Proximity Domain : 00000009
[1AAh 0426   2]                    Reserved1 : 0000
[1ACh 0428   8]                 Base Address : 0000000100000000
[1B4h 0436   8]               Address Length : 0000000080000000
[1BCh 0444   4]                    Reserved2 : 00000000
[1C0h 0448   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
                               Hot Pluggable : 0
                                Non-Volatile : 0
[1C4h 0452   8]                    Reserved3 : 0000000000000000

[1CCh 0460   1]                Subtable Type : 05 [Generic Initiator Affinity]
[1CDh 0461   1]                       Length : 20

[1CEh 0462   1]                    Reserved1 : 00
[1CFh 0463   1]           Device Handle Type : 01
[1D0h 0464   4]             Proximity Domain : 00000009
[1D4h 0468  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[1E4h 0484   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[1E8h 0488   4]                    Reserved2 : 00000000

[1ECh 0492   1]                Subtable Type : 05 [Generic Initiator Affinity]
[1EDh 0493   1]                       Length : 20

[1EEh 0494   1]                    Reserved1 : 00
[1EFh 0495   1]           Device Handle Type : 01
[1F0h 0496   4]             Proximity Domain : 0000000A
[1F4h 0500  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[204h 0516   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[208h 0520   4]                    Reserved2 : 00000000

[20Ch 0524   1]                Subtable Type : 05 [Generic Initiator Affinity]
[20Dh 0525   1]                       Length : 20

[20Eh 0526   1]                    Reserved1 : 00
[20Fh 0527   1]           Device Handle Type : 01
[210h 0528   4]             Proximity Domain : 0000000B
[214h 0532  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[224h 0548   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[228h 0552   4]                    Reserved2 : 00000000

[22Ch 0556   1]                Subtable Type : 05 [Generic Initiator Affinity]
[22Dh 0557   1]                       Length : 20

[22Eh 0558   1]                    Reserved1 : 00
[22Fh 0559   1]           Device Handle Type : 01
[230h 0560   4]             Proximity Domain : 0000000C
[234h 0564  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[244h 0580   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[248h 0584   4]                    Reserved2 : 00000000

[24Ch 0588   1]                Subtable Type : 05 [Generic Initiator Affinity]
[24Dh 0589   1]                       Length : 20

[24Eh 0590   1]                    Reserved1 : 00
[24Fh 0591   1]           Device Handle Type : 01
[250h 0592   4]             Proximity Domain : 0000000D
[254h 0596  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[264h 0612   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[268h 0616   4]                    Reserved2 : 00000000

[26Ch 0620   1]                Subtable Type : 05 [Generic Initiator Affinity]
[26Dh 0621   1]                       Length : 20

[26Eh 0622   1]                    Reserved1 : 00
[26Fh 0623   1]           Device Handle Type : 01
[270h 0624   4]             Proximity Domain : 0000000E
[274h 0628  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[284h 0644   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[288h 0648   4]                    Reserved2 : 00000000

[28Ch 0652   1]                Subtable Type : 05 [Generic Initiator Affinity]
[28Dh 0653   1]                       Length : 20

[28Eh 0654   1]                    Reserved1 : 00
[28Fh 0655   1]           Device Handle Type : 01
[290h 0656   4]             Proximity Domain : 0000000F
[294h 0660  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[2A4h 0676   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[2A8h 0680   4]                    Reserved2 : 00000000

[2ACh 0684   1]                Subtable Type : 05 [Generic Initiator Affinity]
[2ADh 0685   1]                       Length : 20

[2AEh 0686   1]                    Reserved1 : 00
[2AFh 0687   1]           Device Handle Type : 01
[2B0h 0688   4]             Proximity Domain : 00000010
[2B4h 0692  16]                Device Handle : 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00
[2C4h 0708   4]        Flags (decoded below) : 00000001
                                     Enabled : 1
[2C8h 0712   4]                    Reserved2 : 00000000

[2CCh 0716   1]                Subtable Type : 01 [Memory Affinity]
[2CDh 0717   1]                       Length : 28

[2CEh 0718   4]             Proximity Domain : 00000000
[2D2h 0722   2]                    Reserved1 : 0000
[2D4h 0724   8]                 Base Address : 00000000C0000000
[2DCh 0732   8]               Address Length : 0000000040000000
[2E4h 0740   4]                    Reserved2 : 00000000
[2E8h 0744   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[2ECh 0748   8]                    Reserved3 : 0000000000000000

[2F4h 0756   1]                Subtable Type : 01 [Memory Affinity]
[2F5h 0757   1]                       Length : 28

[2F6h 0758   4]             Proximity Domain : 00000000
[2FAh 0762   2]                    Reserved1 : 0000
[2FCh 0764   8]                 Base Address : 0000000180000000
[304h 0772   8]               Address Length : 00000000C0000000
[30Ch 0780   4]                    Reserved2 : 00000000
[310h 0784   4]        Flags (decoded below) : 00000003
                                     Enabled : 1
                               Hot Pluggable : 1
                                Non-Volatile : 0
[314h 0788   8]                    Reserved3 : 0000000000000000

Raw Table Data: Length 796 (0x31C)

    0000: 53 52 41 54 1C 03 00 00 03 87 42 4F 43 48 53 20  // SRAT......BOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  // BXPC    ....BXPC
    0020: 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00  // ................
    0030: 03 12 00 00 00 00 00 00 00 00 01 00 00 00 00 00  // ................
    0040: 00 00 03 12 00 00 00 00 01 00 00 00 01 00 00 00  // ................
    0050: 00 00 00 00 01 28 00 00 00 00 00 00 00 00 00 40  // .....(.........@
    0060: 00 00 00 00 00 00 00 40 00 00 00 00 00 00 00 00  // .......@........
    0070: 01 00 00 00 00 00 00 00 00 00 00 00 01 28 01 00  // .............(..
    0080: 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00 40  // ...............@
    0090: 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00  // ................
    00A0: 00 00 00 00 05 20 00 01 01 00 00 00 00 00 00 10  // ..... ..........
    00B0: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    00C0: 00 00 00 00 05 20 00 01 02 00 00 00 00 00 00 10  // ..... ..........
    00D0: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    00E0: 00 00 00 00 05 20 00 01 03 00 00 00 00 00 00 10  // ..... ..........
    00F0: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    0100: 00 00 00 00 05 20 00 01 04 00 00 00 00 00 00 10  // ..... ..........
    0110: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    0120: 00 00 00 00 05 20 00 01 05 00 00 00 00 00 00 10  // ..... ..........
    0130: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    0140: 00 00 00 00 05 20 00 01 06 00 00 00 00 00 00 10  // ..... ..........
    0150: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    0160: 00 00 00 00 05 20 00 01 07 00 00 00 00 00 00 10  // ..... ..........
    0170: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    0180: 00 00 00 00 05 20 00 01 08 00 00 00 00 00 00 10  // ..... ..........
    0190: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00  // ................
    01A0: 00 00 00 00 01 28 09 00 00 00 00 00 00 00 00 00  // .....(..........
    01B0: 01 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00  // ................
    01C0: 01 00 00 00 00 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    01D0: 09 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    01E0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    01F0: 0A 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0200: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0210: 0B 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0220: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0230: 0C 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0240: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0250: 0D 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0260: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0270: 0E 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    0280: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    0290: 0F 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    02A0: 00 00 00 00 01 00 00 00 00 00 00 00 05 20 00 01  // ............. ..
    02B0: 10 00 00 00 00 00 05 00 00 00 00 00 00 00 00 00  // ................
    02C0: 00 00 00 00 01 00 00 00 00 00 00 00 01 28 00 00  // .............(..
    02D0: 00 00 00 00 00 00 00 C0 00 00 00 00 00 00 00 40  // ...............@
    02E0: 00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00  // ................
    02F0: 00 00 00 00 01 28 00 00 00 00 00 00 00 00 00 80  // .....(..........
    0300: 01 00 00 00 00 00 00 C0 00 00 00 00 00 00 00 00  // ................
    0310: 03 00 00 00 00 00 00 00 00 00 00 00              // ............
