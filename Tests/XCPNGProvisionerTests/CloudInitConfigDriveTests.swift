import FakeXAPI
import Foundation
import ProvisionerAPI
import Testing

@testable import XCPNGProvisioner

@Suite(.timeLimit(.minutes(1)))
struct CloudInitConfigDriveTests {
    static let extra = ConfigNode(
        content: .mapping([
            .init(key: "package_update", value: ConfigNode(content: .scalar("true"))),
            .init(
                key: "packages",
                value: ConfigNode(content: .sequence([ConfigNode(content: .scalar("qemu-guest-agent"))]))),
            .init(
                key: "ssh_authorized_keys",
                value: ConfigNode(content: .sequence([ConfigNode(content: .scalar("ssh-ed25519 AAAAops ops@bastion"))]))
            ),
            .init(key: "hostname", value: ConfigNode(content: .scalar("overridden"))),
        ]))

    @Test func theImageReadsBackWithIsoinfo() throws {
        let drive = CloudInitConfigDrive(
            instanceID: "vm-123", hostname: "web-1.example.test", sshKeys: ["ssh-ed25519 AAAAC3 alice@laptop"],
            extraUserData: Self.extra)
        let image = drive.image()
        #expect(image.count % 2048 == 0)
        #expect(try ISOReader.volumeID(of: image) == "cidata")
        let listing = try ISOReader.isoinfo(image, ["-J", "-f"])
        #expect(listing.split(separator: "\n").sorted() == ["/meta-data", "/user-data"])
        let metaData = try ISOReader.file("meta-data", in: image)
        #expect(metaData == "instance-id: \"vm-123\"\nlocal-hostname: \"web-1.example.test\"\n")
        let userData = try ISOReader.file("user-data", in: image)
        #expect(userData.hasPrefix("#cloud-config\n"))
        #expect(userData.contains("\"package_update\": true"))
        #expect(userData.contains("\"packages\": [\"qemu-guest-agent\"]"))
        #expect(userData.contains("\"hostname\": \"web-1\""))
        #expect(!userData.contains("overridden"))
        #expect(userData.contains("\"fqdn\": \"web-1.example.test\""))
        #expect(
            userData.contains(
                "\"ssh_authorized_keys\": [\"ssh-ed25519 AAAAops ops@bastion\", \"ssh-ed25519 AAAAC3 alice@laptop\"]"))
        // The primary (8.3) tree holds the same bytes, for readers without Joliet.
        #expect(try ISOReader.isoinfo(image, ["-x", "/META_DAT.;1"]) == metaData)
    }

    @Test func valuesThatCouldBreakYAMLAreQuoted() {
        #expect(CloudInitConfigDrive.quoted("a\"b\\c\nd") == "\"a\\\"b\\\\c\\nd\"")
        #expect(CloudInitConfigDrive.render(ConfigNode(content: .scalar("42"))) == "42")
        #expect(CloudInitConfigDrive.render(ConfigNode(content: .scalar("yes: no #x"))) == "\"yes: no #x\"")
    }

    @Test func allocateAttachesTheDriveBeforeTheFirstStartAndReleaseDestroysIt() async throws {
        var options = FakeXAPIOptions.fast
        options.cloudImage = true  // the guest agent reports only when cloud-init found its drive
        try await withFakePool(options, configure: { $0.cloudInitUserData = Self.extra }) { backend, fake in
            let vm = try await backend.allocate(request("ci-1"), logger: quietLogger)
            let uuid = try #require(vm.backendRef)
            let image = try #require(fake.configDriveImage(ofVM: uuid))
            #expect(try ISOReader.volumeID(of: image) == "cidata")
            #expect(try ISOReader.file("meta-data", in: image).contains("instance-id: \"ci-1\""))
            let userData = try ISOReader.file("user-data", in: image)
            #expect(userData.contains("ssh-ed25519 AAAAC3Nza alice@laptop"))
            #expect(userData.contains("\"hostname\": \"ci-1\""))
            #expect(userData.contains("qemu-guest-agent"))
            let state = fake.snapshot()
            #expect(state.vdiLabels.values.sorted() == ["cidata", "debian-12-cloud disk"])
            #expect(state.uploads == 1)
            try await backend.release(vm, logger: quietLogger)
            #expect(fake.snapshot().vms.isEmpty)
            #expect(fake.snapshot().vdis.isEmpty)
        }
    }

    @Test func xenstoreModeMakesNoDriveSoACloudImageNeverReports() async throws {
        var options = FakeXAPIOptions.fast
        options.cloudImage = true
        try await withFakePool(
            options,
            configure: {
                $0.guestConfig = .xenstore
                $0.ipWaitTimeoutSeconds = 0.5
            }
        ) { backend, fake in
            await #expect(throws: ProvisionerError.self) {
                try await backend.allocate(request("xs-1"), logger: quietLogger)
            }
            #expect(fake.snapshot().uploads == 0)
            #expect(fake.snapshot().vms.isEmpty)  // the failed allocate tore down what it made
        }
        try await withFakePool(configure: { $0.guestConfig = .xenstore }) { backend, fake in
            let vm = try await backend.allocate(request("xs-2"), logger: quietLogger)
            #expect(fake.snapshot().vdiLabels.values.sorted() == ["debian-12-cloud disk"])
            #expect(fake.snapshot().vms.first?.xenstoreData["vm-data/hostname"] == "xs-2.example.test")
            try await backend.release(vm, logger: quietLogger)
        }
    }

    @Test func theUploadFollowsARedirectToAPoolMemberKeepingItsQuery() async throws {
        var options = FakeXAPIOptions.fast
        options.cloudImage = true
        options.redirectUploads = true
        try await withFakePool(options) { backend, fake in
            let vm = try await backend.allocate(request("rd-1"), logger: quietLogger)
            let state = fake.snapshot()
            #expect(state.callCounts["PUT /import_raw_vdi (redirected)"] == 1)
            #expect(state.uploads == 1)
            let uuid = try #require(vm.backendRef)
            #expect(fake.configDriveImage(ofVM: uuid) != nil)
            try await backend.release(vm, logger: quietLogger)
        }
    }
}

extension CloudInitConfigDriveTests {
    /// A crash between `VDI.create` and `VBD.create` leaves a drive no VM points at; the next
    /// release (or attempt) of the allocation finds it by its tags and destroys it.
    @Test func aDriveLeftDetachedByACrashIsDestroyedByTheRelease() async throws {
        try await withFakePool { backend, fake in
            fake.addFault(FakeFault(method: "VBD.create", error: ["INTERNAL_ERROR", "crash"], times: 1))
            await #expect(throws: ProvisionerError.self) {
                try await backend.allocate(request("crashy"), logger: quietLogger)
            }
            // The failed allocate's teardown went through the VM, which never pointed at the drive.
            #expect(fake.snapshot().vdiLabels.values.sorted() == ["cidata"])
            try await backend.release(VmAllocation(allocationID: "crashy", backend: "xcpng"), logger: quietLogger)
            #expect(fake.snapshot().vdis.isEmpty)
            #expect(fake.snapshot().vms.isEmpty)
        }
    }
}
