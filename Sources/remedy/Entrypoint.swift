import RemedyCLI

@main
enum Entrypoint {
    static func main() async {
        await RemedyCommand.main()
    }
}
