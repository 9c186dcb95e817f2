/// This build's version, as channels and the runtime announce it (`User-Agent: Vigil/<version>`).
package enum VigilVersion {
  package static let current = "0.3.0"
}
